/**
 * The reading thread of a parallel analysis (parallel.ts): reads, filters and parses the inputs with
 * the ordinary LogReader and posts its batches, encoded (transfer.ts), to the thread that classifies.
 * At most MAX_IN_FLIGHT batches wait unacknowledged, so a slow consumer bounds this thread's memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LogReader } from './index.js';
import { encodeBatch } from './transfer.js';
import type { WorkerInput, WorkerMessage } from './parallel.js';

const MAX_IN_FLIGHT = 8;

async function run(port: NonNullable<typeof parentPort>, d: WorkerInput): Promise<void> {
  const post = (m: WorkerMessage, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);
  let inFlight = 0;
  let wake: (() => void) | undefined;
  port.on('message', (m: unknown) => {
    if (m !== 'ack') return;
    inFlight--;
    const w = wake;
    wake = undefined;
    w?.();
  });
  try {
    const reader = new LogReader(d.files, {
      ...(d.timeZone !== undefined ? { timeZone: d.timeZone } : {}),
      ...(d.maxLineBytes !== undefined ? { maxLineBytes: d.maxLineBytes } : {}),
      ...(d.nowMs !== undefined ? { nowMs: d.nowMs } : {}),
      onIssue: (issue) => post({ t: 'issue', issue }),
    });
    await reader.open();
    post({ t: 'open', timeZone: reader.timeZone });
    for await (const recs of reader.batches()) {
      const b = encodeBatch(recs);
      post({ t: 'batch', b }, [b.bytes.buffer as ArrayBuffer, b.nums.buffer as ArrayBuffer]);
      inFlight++;
      while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => (wake = r));
    }
    post({
      t: 'end',
      summaries: reader.summaries(),
      counts: [...reader.issues.counts],
      fatal: reader.issues.fatal,
    });
  } catch (err) {
    post({ t: 'error', message: err instanceof Error ? err.message : String(err) });
  }
  port.close();
}

if (parentPort) await run(parentPort, workerData as WorkerInput);
