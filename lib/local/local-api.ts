import { join } from "node:path";
import { routes } from "../../functions/routes";
import { createDynamoDbClient } from "../../functions/shared/aws/dynamodb-client";
import {
  CORS_ALLOW_ORIGINS_ENV,
  corsPolicyFromEnvironment,
} from "../../functions/shared/http/cors-policy";
import { createLogger, type Logger } from "../../functions/shared/observability/logger";
import { dataTableDefinition, idempotencyTableDefinition } from "../tables/table-definitions";
import { ensureTable } from "./create-tables";
import { localAwsEnvironment, startDynamoDbLocal } from "./dynamodb-local";
import { type GatewayOptions, type RunningGateway, startGateway } from "./gateway/gateway";
import type { GatewayHandler, GatewayRoute } from "./gateway/gateway-route";
import { concurrentInvocations } from "./gateway/lambda-invocation";
import { type LocalEnvironment, parseLocalEnvironment } from "./local-environment";
import {
  type OutboxStreamRunner,
  outboxSinkFile,
  startOutboxStreamRunner,
} from "./outbox-stream-runner";
import {
  type ProcessorEmulator,
  startProcessorEmulator,
} from "./processor-emulator/processor-emulator";
import { type ReconcilerRunner, startReconcilerRunner } from "./reconciler-runner";

/**
 * The whole API on one machine: DynamoDB Local (or a given endpoint) with the
 * tables, every handler of the route table, and the gateway in front. What
 * `npm start` runs, and what tests start in-process.
 *
 * Handlers read their configuration once, when their module is loaded; this
 * function sets `process.env` first. A second API in the same module registry
 * reuses the handlers already loaded, with their first configuration.
 */

const FUNCTIONS_DIR = join(__dirname, "..", "..", "functions");

export interface LocalApi {
  readonly url: string;
  readonly port: number;
  /** The secret local tokens must be signed with. */
  readonly jwtSecret: string;
  /** The `iss` local tokens must carry. */
  readonly jwtIssuer: string;
  /** The `aud` local tokens must carry. */
  readonly jwtAudience: string;
  readonly dynamoDbEndpoint: string;
  /** True when this API started (and will stop) its own DynamoDB Local. */
  readonly ownsDynamoDbLocal: boolean;
  /** The JSON-lines file the outbox events are published to; undefined when `OUTBOX_PUBLISHER` is off. */
  readonly outboxSinkFile: string | undefined;
  /** The payment processor the handlers call (PAYMENT_PROCESSOR_URL). */
  readonly paymentProcessorUrl: string;
  /** True when this API started (and will stop) its own processor emulator. */
  readonly ownsProcessorEmulator: boolean;
  /** That emulator, for tests to drive (faults, counts, webhooks); undefined when not ours. */
  readonly processorEmulator: ProcessorEmulator | undefined;
  /** The reconciler, as the stack's scheduler runs it; `runOnce` runs it now. */
  readonly reconciler: ReconcilerRunner;
  /**
   * Stops the gateway, the processor emulator and the outbox publisher, then
   * the DynamoDB Local it started, if any.
   */
  close(): Promise<void>;
}

export interface LocalApiOptions {
  /** The gateway's request log and the outbox publisher's. @default JSON lines on stdout */
  readonly logger?: Logger;
}

export async function startLocalApi(
  environment: NodeJS.ProcessEnv = process.env,
  options: LocalApiOptions = {},
): Promise<LocalApi> {
  const settings = parseLocalEnvironment(environment);
  // DynamoDB Local keeps one database per access key and region: every
  // client of this process must use the same ones.
  for (const [name, fallback] of Object.entries(localAwsEnvironment)) {
    process.env[name] = environment[name] || process.env[name] || fallback;
  }

  const database = await openDatabase(settings.DYNAMODB_ENDPOINT);
  let outbox: OutboxStreamRunner | undefined;
  let processor: Processor | undefined;
  let reconciler: ReconcilerRunner | undefined;
  try {
    await createTables(database.endpoint, settings);
    processor = await openProcessor(settings);
    // Before any handler is loaded: handlers read their config at import.
    concurrentInvocations(process.env);
    Object.assign(process.env, {
      [idempotencyTableDefinition.tableNameEnv]: settings.IDEMPOTENCY_TABLE_NAME,
      [dataTableDefinition.tableNameEnv]: settings.DATA_TABLE_NAME,
      DYNAMODB_ENDPOINT: database.endpoint,
      IDEMPOTENCY_RETENTION_SECONDS: String(settings.IDEMPOTENCY_RETENTION_SECONDS),
      [CORS_ALLOW_ORIGINS_ENV]: settings.CORS_ALLOW_ORIGINS,
      PAYMENT_PROCESSOR_URL: processor.url,
      PAYMENT_PROCESSOR_API_KEY: settings.PAYMENT_PROCESSOR_API_KEY,
      PAYMENT_PROCESSOR_WEBHOOK_SECRET: settings.PAYMENT_PROCESSOR_WEBHOOK_SECRET,
      RECONCILE_AFTER_SECONDS: String(settings.RECONCILE_AFTER_SECONDS),
    });
    // Before the gateway takes requests, so no event is missed even from
    // LATEST. A database of our own is new: read it all. A shared one (tests,
    // `npm run db`) may hold a long history other runners published already.
    if (settings.OUTBOX_PUBLISHER === "on") {
      outbox = await startOutboxStreamRunner({
        endpoint: database.endpoint,
        dataTableName: settings.DATA_TABLE_NAME,
        idempotencyTableName: settings.IDEMPOTENCY_TABLE_NAME,
        sinkFile: outboxSinkFile(environment),
        startingPosition: database.owned ? "TRIM_HORIZON" : "LATEST",
        ...(options.logger ? { logger: options.logger } : {}),
      });
    }
    const gateway = await listen({
      routes: await loadRouteHandlers(),
      jwtSecret: settings.JWT_SECRET,
      jwtIssuer: settings.JWT_ISSUER,
      jwtAudience: settings.JWT_AUDIENCE,
      functionTimeoutMs: settings.FUNCTION_TIMEOUT_SECONDS * 1000,
      ...(settings.CALLER_RATE_LIMIT > 0
        ? {
            callerRateLimit: {
              limit: settings.CALLER_RATE_LIMIT,
              windowSeconds: settings.CALLER_RATE_LIMIT_WINDOW_SECONDS,
            },
          }
        : {}),
      cors: corsPolicyFromEnvironment({ [CORS_ALLOW_ORIGINS_ENV]: settings.CORS_ALLOW_ORIGINS }),
      port: settings.PORT,
      ...(options.logger ? { logger: options.logger } : {}),
    });

    reconciler = await startReconcilerRunner({
      intervalSeconds: settings.RECONCILER_INTERVAL_SECONDS,
      timeoutMs: RECONCILER_TIMEOUT_MS,
      logger: options.logger ?? createLogger("reconciler"),
    });
    const ownedReconciler = reconciler;

    // Until the webhook route exists, events stay queued at the emulator
    // (listed at /__emulator/events) instead of knocking on a 404.
    if (processor.emulator && hasWebhookRoute()) {
      processor.emulator.resumeWebhooks(`${gateway.url}${PROCESSOR_WEBHOOK_PATH}`);
    }

    const ownedProcessor = processor;
    let closed: Promise<void> | undefined;
    return {
      url: gateway.url,
      port: gateway.port,
      jwtSecret: settings.JWT_SECRET,
      jwtIssuer: settings.JWT_ISSUER,
      jwtAudience: settings.JWT_AUDIENCE,
      dynamoDbEndpoint: database.endpoint,
      ownsDynamoDbLocal: database.owned,
      outboxSinkFile: outbox?.sinkFile,
      paymentProcessorUrl: ownedProcessor.url,
      ownsProcessorEmulator: ownedProcessor.emulator !== undefined,
      processorEmulator: ownedProcessor.emulator,
      reconciler: ownedReconciler,
      close() {
        closed ??= (async () => {
          try {
            await ownedReconciler.stop();
            await gateway.close();
          } finally {
            await closeProcessor(ownedProcessor);
            await outbox?.stop();
            await database.stop();
          }
        })();
        return closed;
      },
    };
  } catch (error) {
    // Never leave a Java process (or a poller, or a port) behind a failed start.
    await reconciler?.stop();
    if (processor) await closeProcessor(processor);
    await outbox?.stop();
    await database.stop();
    throw error;
  }
}

/**
 * The reconciler's own timeout, as its Lambda has on AWS: a run resumes items
 * one after the other, each bounded by what is left of it, so it needs more
 * than an API function's few seconds.
 */
const RECONCILER_TIMEOUT_MS = 60_000;

/** Where the processor's webhook events are delivered (the route the API serves them on). */
const PROCESSOR_WEBHOOK_PATH = "/webhooks/processor";

function hasWebhookRoute(): boolean {
  const served: readonly string[] = routes.map((route) => `${route.method} ${route.path}`);
  return served.includes(`POST ${PROCESSOR_WEBHOOK_PATH}`);
}

interface Processor {
  readonly url: string;
  /** Started here, so stopped here. */
  readonly emulator: ProcessorEmulator | undefined;
}

/** The given processor, or an emulator of our own (free port, the local key and secret). */
async function openProcessor(settings: LocalEnvironment): Promise<Processor> {
  if (settings.PAYMENT_PROCESSOR_URL)
    return { url: settings.PAYMENT_PROCESSOR_URL, emulator: undefined };
  const emulator = await startProcessorEmulator({
    apiKey: settings.PAYMENT_PROCESSOR_API_KEY,
    webhookSecret: settings.PAYMENT_PROCESSOR_WEBHOOK_SECRET,
  });
  return { url: emulator.url, emulator };
}

/**
 * Stops our emulator, and forgets its URL in `process.env` so that an API
 * started later in this process (from `process.env`) starts its own instead
 * of calling a closed one.
 */
async function closeProcessor(processor: Processor): Promise<void> {
  if (!processor.emulator) return;
  await processor.emulator.close();
  if (process.env.PAYMENT_PROCESSOR_URL === processor.url) delete process.env.PAYMENT_PROCESSOR_URL;
}

interface Database {
  readonly endpoint: string;
  /** Started here, so stopped here. */
  readonly owned: boolean;
  stop(): Promise<void>;
}

/** The given endpoint, or a DynamoDB Local of our own (in memory, free port). */
async function openDatabase(endpoint: string | undefined): Promise<Database> {
  if (endpoint) return { endpoint, owned: false, stop: async () => undefined };
  const dynamoDbLocal = await startDynamoDbLocal();
  return { endpoint: dynamoDbLocal.endpoint, owned: true, stop: () => dynamoDbLocal.stop() };
}

async function listen(options: GatewayOptions): Promise<RunningGateway> {
  try {
    return await startGateway(options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    throw new Error(
      `Port ${options.port} on 127.0.0.1 is already in use: set PORT to another one (0 picks a free port).`,
      { cause: error },
    );
  }
}

async function createTables(endpoint: string, settings: LocalEnvironment): Promise<void> {
  const client = createDynamoDbClient({ endpoint });
  try {
    await ensureTable(client, idempotencyTableDefinition, settings.IDEMPOTENCY_TABLE_NAME);
    await ensureTable(client, dataTableDefinition, settings.DATA_TABLE_NAME);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot create the tables at ${endpoint}: ${reason}`, { cause: error });
  } finally {
    client.destroy();
  }
}

/**
 * Loads every route's handler module (`functions/<entry>`, export `handler`).
 * All failures are reported at once, each naming its module.
 */
async function loadRouteHandlers(): Promise<GatewayRoute[]> {
  const loaded: GatewayRoute[] = [];
  const failures: string[] = [];
  for (const route of routes) {
    const modulePath = `functions/${route.entry}`;
    try {
      const module: Record<string, unknown> = await import(join(FUNCTIONS_DIR, route.entry));
      const { handler } = module;
      if (typeof handler !== "function") {
        failures.push(`${modulePath} (route ${route.id}): does not export a \`handler\` function`);
        continue;
      }
      loaded.push({
        id: route.id,
        method: route.method,
        path: route.path,
        authenticated: route.authenticated,
        handler: handler as GatewayHandler,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failures.push(`${modulePath} (route ${route.id}): ${reason}`);
    }
  }
  if (failures.length > 0) {
    throw new Error(
      `Cannot load ${failures.length} of ${routes.length} route handlers:\n  ${failures.join("\n  ")}`,
    );
  }
  return loaded;
}
