import { readFileSync } from "node:fs";

/** An event as the local outbox publisher appends it to its sink file (the fields tests read). */
export interface SinkEvent {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
}

/** Every event in the local sink file, oldest first; none while the file does not exist yet. */
export function sinkEvents(sinkFile: string): SinkEvent[] {
  let text = "";
  try {
    text = readFileSync(sinkFile, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as SinkEvent);
}
