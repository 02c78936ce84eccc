/**
 * Runs retention on a schedule. The clock and timer are injected so tests drive days of retention in
 * milliseconds; a failed run is reported and retried at the next tick, never fatal.
 */
import type { RetentionPolicy, RetentionReport, Store } from './types.js';

export interface RetentionClock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: RetentionClock = {
  now: () => new Date(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // Retention alone must not keep the process alive.
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface RetentionSchedulerOptions {
  store: Store;
  policy: RetentionPolicy;
  everyMs: number;
  clock?: RetentionClock;
  onReport?: (r: RetentionReport) => void;
  onError?: (err: unknown) => void;
}

export class RetentionScheduler {
  private handle: unknown;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly clock: RetentionClock;

  constructor(private readonly opts: RetentionSchedulerOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Runs once now, then every `everyMs`. */
  start(): void {
    this.stopped = false;
    this.tick();
  }

  /** One pass; resolves when done. Overlapping calls share the pass in progress. */
  runOnce(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.opts.store
      .applyRetention(this.clock.now(), this.opts.policy)
      .then((r) => this.opts.onReport?.(r))
      .catch((err: unknown) => this.opts.onError?.(err))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private tick(): void {
    if (this.stopped) return;
    void this.runOnce().then(() => {
      if (!this.stopped) this.handle = this.clock.setTimeout(() => this.tick(), this.opts.everyMs);
    });
  }

  /** Stops scheduling and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    await this.running;
  }
}
