/**
 * EventWriter: batches events from the bus into the store. One event per transaction would cap
 * SQLite at a few hundred events/s with synchronous=FULL (one fsync each); batching by count or by a
 * short delay gives tens of thousands. Bad events are refused at `push` (named, counted), so one bad
 * event never poisons a batch; a failed write (database locked, PostgreSQL away) keeps the batch
 * and retries it, in order, with backoff. The buffer is bounded: when full, the oldest events are
 * dropped and counted (`dropped`), never silently.
 */
import type { Event } from '../events/index.js';
import { eventToRow, StoreInputError } from './codec.js';
import { samplesFromEvent } from './samples.js';
import type { Store } from './types.js';

export interface WriterTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: WriterTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface EventWriterOptions {
  store: Store;
  /**
   * Flush when this many events are waiting. Default 5000: with the events table's indexes, SQLite
   * ingest roughly doubles from 1000 to 5000 per batch (bench/store/ingest.bench.ts), and at low
   * rates the delay flushes first anyway.
   */
  maxBatch?: number;
  /** Flush at most this long after the first waiting event. Default 200 ms. */
  maxDelayMs?: number;
  /** Bound on waiting events; beyond it the oldest are dropped and counted. Default 100000. */
  maxBuffered?: number;
  /** First retry delay after a failed write; doubles up to 30 s. Default 500 ms. */
  retryMs?: number;
  timers?: WriterTimers;
  /** Called with each written batch and the ids the store gave it (the acknowledgement). */
  onWritten?: (events: readonly Event[], ids: readonly string[]) => void;
  /**
   * Also store the time series carried by sample events (samples.ts). Default true. Samples are
   * derived data: a failed sample write is reported, not retried (the events hold the values).
   */
  deriveSamples?: boolean;
  onError?: (err: unknown) => void;
}

export interface WriterStats {
  written: number;
  rejected: number;
  dropped: number;
  failedWrites: number;
  pending: number;
}

export class EventWriter {
  private buf: Event[] = [];
  private timer: unknown;
  private inFlight: Promise<void> | undefined;
  private backoffMs = 0;
  private closed = false;
  private readonly s = { written: 0, rejected: 0, dropped: 0, failedWrites: 0 };
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  private readonly maxBuffered: number;
  private readonly retryMs: number;
  private readonly timers: WriterTimers;

  constructor(private readonly opts: EventWriterOptions) {
    this.maxBatch = opts.maxBatch ?? 5000;
    this.maxDelayMs = opts.maxDelayMs ?? 200;
    this.maxBuffered = Math.max(opts.maxBuffered ?? 100_000, this.maxBatch);
    this.retryMs = opts.retryMs ?? 500;
    this.timers = opts.timers ?? realTimers;
  }

  /** Queues an event. Throws StoreInputError for an event the store could never take. */
  push(ev: Event): void {
    if (this.closed) throw new Error('EventWriter is closed');
    try {
      eventToRow(ev, 0);
    } catch (err) {
      this.s.rejected++;
      if (err instanceof StoreInputError)
        throw new StoreInputError(`event ${ev?.kind ?? '?'} from ${ev?.host ?? '?'}`, err.message);
      throw err;
    }
    this.buf.push(ev);
    if (this.buf.length > this.maxBuffered) {
      const over = this.buf.length - this.maxBuffered;
      this.buf.splice(0, over);
      this.s.dropped += over;
    }
    if (this.buf.length >= this.maxBatch && this.backoffMs === 0) void this.flush();
    else this.arm(this.backoffMs || this.maxDelayMs);
  }

  /** Bus subscriber form: never throws (a refused event is counted and reported to onError). */
  readonly handler = (ev: Event): void => {
    try {
      this.push(ev);
    } catch (err) {
      this.opts.onError?.(err);
    }
  };

  private arm(ms: number): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  /** Writes everything waiting now; resolves when written (or the write failed and was kept). */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.buf.length === 0) return;
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.inFlight = this.writeSome().finally(() => (this.inFlight = undefined));
    await this.inFlight;
  }

  private async writeSome(): Promise<void> {
    while (this.buf.length > 0) {
      const batch = this.buf.slice(0, this.maxBatch);
      try {
        const ids = await this.opts.store.insertEvents(batch);
        // Only now leave the buffer: a failed write keeps the batch for the retry, in order.
        this.buf.splice(0, batch.length);
        this.s.written += batch.length;
        this.backoffMs = 0;
        this.opts.onWritten?.(batch, ids);
        if (this.opts.deriveSamples !== false) await this.writeSamples(batch);
      } catch (err) {
        this.s.failedWrites++;
        this.backoffMs = Math.min(this.backoffMs ? this.backoffMs * 2 : this.retryMs, 30_000);
        this.opts.onError?.(err);
        this.arm(this.backoffMs);
        return;
      }
    }
  }

  private async writeSamples(batch: readonly Event[]): Promise<void> {
    const samples = batch.flatMap(samplesFromEvent);
    if (samples.length === 0) return;
    try {
      await this.opts.store.insertSamples(samples);
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  get stats(): WriterStats {
    return { ...this.s, pending: this.buf.length };
  }

  /** Flushes what is waiting and stops the timer. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
