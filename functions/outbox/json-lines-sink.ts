import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "../shared/observability/logger";
import type { OutboxEvent } from "../shared/outbox";
import type { EventPublisher } from "./event-publisher";

export interface JsonLinesSinkOptions {
  /** The file events are appended to; its folder is created if missing. */
  readonly file: string;
  readonly logger: Logger;
}

/**
 * The local stand-in for the event bus: one JSON line per event in a file
 * (`tail -f` it to watch events flow) and one log line naming the event.
 */
export class JsonLinesSinkPublisher implements EventPublisher {
  readonly file: string;
  private readonly logger: Logger;
  private folderReady: Promise<unknown> | undefined;

  constructor(options: JsonLinesSinkOptions) {
    this.file = options.file;
    this.logger = options.logger;
  }

  async publish(event: OutboxEvent): Promise<void> {
    // Created once; a failure is not cached, so the next event tries again.
    this.folderReady ??= mkdir(dirname(this.file), { recursive: true }).catch((error: unknown) => {
      this.folderReady = undefined;
      throw error;
    });
    await this.folderReady;
    // One write per line with O_APPEND: lines of concurrent writers never interleave.
    await appendFile(this.file, `${JSON.stringify(event)}\n`, "utf8");
    // The log names the event; its data stays in the file.
    this.logger.info("event published", {
      eventId: event.id,
      type: event.type,
      subject: event.subject,
      sink: this.file,
    });
  }
}
