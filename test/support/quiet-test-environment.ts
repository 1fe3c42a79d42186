// Handlers log and publish EMF metrics through Powertools: silent in tests,
// which assert answers and effects. A test that reads logs or metrics (the
// EMF tests through `npm start`) sets these for the process it starts.
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
