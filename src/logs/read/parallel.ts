/**
 * Reading on a second thread: a worker (worker.ts) reads, filters and parses while this thread
 * classifies, correlates and reports, so a large log uses both cores of a small server. Same
 * interface and same results as LogReader (test/logs/read/parallel.test.ts compares them); used by
 * `analyze` for large regular files (a worker costs ~30 ms to start, stdin cannot be handed over).
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { LogRecord } from '../record.js';
import type { FileSummary, ReadOptions } from './index.js';
import { IssueLog, type InputIssue } from './issues.js';
import { decodeBatch, type EncodedBatch } from './transfer.js';

/** Inputs at least this large (in total) are read on a worker thread. */
export const PARALLEL_MIN_BYTES = 8 << 20;

export interface WorkerInput {
  files: string[];
  timeZone?: string;
  maxLineBytes?: number;
  nowMs?: number;
}

export type WorkerMessage =
  | { t: 'issue'; issue: InputIssue }
  | { t: 'open'; timeZone: string }
  | { t: 'batch'; b: EncodedBatch }
  | { t: 'end'; summaries: FileSummary[]; counts: [string, number][]; fatal: boolean }
  | { t: 'error'; message: string };

/**
 * Is a worker worth it: at least 4 cores, only regular files (no stdin), together at least
 * PARALLEL_MIN_BYTES? On 2 cores it is not: V8's own compiler and GC threads already keep the second
 * core busy during an analysis (measured on the 1M-line benchmark: 0.93 s CPU in-process, 0.45 s of
 * it off the main thread; with the worker 1.20 s CPU and no shorter wall time).
 */
export async function worthParallel(files: string[], cores = availableParallelism()): Promise<boolean> {
  if (cores < 4) return false;
  let total = 0;
  for (const f of files) {
    if (f === '-') return false;
    try {
      const st = await stat(f);
      if (!st.isFile()) return false;
      total += st.size;
    } catch {
      // Missing or unreadable: the in-process reader reports it the usual way.
      return false;
    }
  }
  return total >= PARALLEL_MIN_BYTES;
}

/**
 * The built worker.js; from source (tests and development run through tsx) worker.ts, whose thread
 * must register tsx's loader itself: Node 20 does not apply the parent's `--import tsx` hooks before
 * a worker's entry module loads. No inherited execArgv: the parent's options are for its own
 * entry (`--input-type`, `--import` make a worker fail); V8 flags apply to every thread anyway.
 */
function startWorker(input: WorkerInput): Worker {
  // Loaded on use (synchronously, for the constructor): runs without a reading thread (all on 2
  // cores) do not load worker_threads' modules at start-up.
  const { Worker } = createRequire(import.meta.url)(
    'node:worker_threads',
  ) as typeof import('node:worker_threads');
  const here = import.meta.url;
  // Built, this code is dist/logs/read/parallel.js, or inlined in dist/cli/analyze.bundle.js (see
  // scripts/bundle-analyze.mjs), which `pptpmon analyze` runs: the worker is dist/logs/read/worker.js.
  if (here.endsWith('/analyze.bundle.js'))
    return new Worker(new URL('../logs/read/worker.js', here), { workerData: input, execArgv: [] });
  if (!here.endsWith('.ts'))
    return new Worker(new URL('./worker.js', here), { workerData: input, execArgv: [] });
  const entry = new URL('./worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: input, execArgv: [] });
}

/** A started ParallelReader when `worthParallel(files)`, else undefined (read in-process then). */
export async function startParallel(
  files: string[],
  opts: Omit<ReadOptions, 'stdin'>,
): Promise<ParallelReader | undefined> {
  return (await worthParallel(files)) ? new ParallelReader(files, opts) : undefined;
}

export class ParallelReader {
  readonly issues: IssueLog;
  private readonly input: WorkerInput;
  private readonly worker: Worker;
  private readonly queue: WorkerMessage[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private zone = '';
  private sums: FileSummary[] = [];

  /** Starts the worker at once: it boots and opens the inputs while the caller loads the rest. */
  constructor(files: string[], opts: Omit<ReadOptions, 'stdin'> = {}) {
    this.issues = new IssueLog(opts.onIssue);
    this.input = { files };
    if (opts.timeZone !== undefined) this.input.timeZone = opts.timeZone;
    if (opts.maxLineBytes !== undefined) this.input.maxLineBytes = opts.maxLineBytes;
    if (opts.nowMs !== undefined) this.input.nowMs = opts.nowMs;
    const w = startWorker(this.input);
    this.worker = w;
    w.on('message', (m: WorkerMessage) => {
      // Issues are echoed as they are found, not when their batch is reached.
      if (m.t === 'issue') this.issues.add(m.issue);
      else this.queue.push(m);
      this.notify();
    });
    w.on('error', (err) => {
      this.failure = err;
      this.notify();
    });
    w.on('exit', (code) => {
      this.failure ??= new Error(`reading thread exited (code ${code}) before the end of the input`);
      this.notify();
    });
  }

  get timeZone(): string {
    return this.zone;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async next(): Promise<WorkerMessage> {
    for (;;) {
      const m = this.queue.shift();
      if (m !== undefined) return m;
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /** Resolves once every input is opened (unreadable ones reported), as LogReader.open. */
  async open(): Promise<void> {
    const m = await this.next();
    if (m.t === 'error') throw new Error(m.message);
    if (m.t !== 'open') throw new Error(`reading thread: unexpected ${m.t} before open`);
    this.zone = m.timeZone;
  }

  /** Stops the worker (a reader that will not be read, e.g. after a usage error). */
  close(): void {
    void this.worker.terminate();
  }

  async *batches(): AsyncGenerator<LogRecord[]> {
    const w = this.worker;
    try {
      for (;;) {
        const m = await this.next();
        if (m.t === 'batch') {
          const recs = decodeBatch(m.b);
          w.postMessage('ack');
          yield recs;
        } else if (m.t === 'end') {
          this.sums = m.summaries;
          this.issues.absorb(m.counts, m.fatal);
          return;
        } else if (m.t === 'error') throw new Error(m.message);
      }
    } finally {
      this.failure ??= new Error('reader closed');
      void w.terminate();
    }
  }

  summaries(): FileSummary[] {
    return this.sums;
  }
}
