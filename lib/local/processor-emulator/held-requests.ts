/**
 * Waits the emulator's requests go through (latency, `slow`, `hang`), all
 * cut short when the emulator closes so that no request outlives it.
 */
export class HeldRequests {
  private readonly waiting = new Set<(how: "released" | "closed") => void>();
  private readonly held = new Set<(how: "released" | "closed") => void>();
  private closed = false;

  /** Resolves after `ms`, or with "closed" as soon as the emulator closes. */
  sleep(ms: number): Promise<"elapsed" | "closed"> {
    if (this.closed) return Promise.resolve("closed");
    if (ms <= 0) return Promise.resolve("elapsed");
    return new Promise((resolve) => {
      const done = (how: "released" | "closed") => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve(how === "closed" ? "closed" : "elapsed");
      };
      const timer = setTimeout(() => {
        this.waiting.delete(done);
        resolve("elapsed");
      }, ms);
      this.waiting.add(done);
    });
  }

  /** Resolves when {@link release} is called, or with "closed". */
  hold(): Promise<"released" | "closed"> {
    if (this.closed) return Promise.resolve("closed");
    return new Promise((resolve) => {
      const done = (how: "released" | "closed") => {
        this.waiting.delete(done);
        resolve(how);
      };
      this.held.add(done);
      this.waiting.add(done);
    });
  }

  /** Releases every held request; returns how many there were. */
  release(): number {
    const held = [...this.held];
    this.held.clear();
    for (const done of held) done("released");
    return held.length;
  }

  close(): void {
    this.closed = true;
    this.held.clear();
    for (const done of [...this.waiting]) done("closed");
  }
}
