/**
 * `pptpmon analyze`: inputs -> reader (formats, merge) -> LogPipeline (events, sessions) -> Aggregator
 * -> text report, one JSON document, or NDJSON events. Output is written as it is produced: sessions
 * stream into the JSON document and events into NDJSON, so memory stays bounded by the open sessions.
 */
import type { Readable } from 'node:stream';
import { LogPipeline } from '../pipeline.js';
import { LogReader, formatIssue, type ReadOptions } from '../read/index.js';
import { ParallelReader, worthParallel } from '../read/parallel.js';
import type { Event } from '../../events/index.js';
import type { LogRecord } from '../record.js';
import type { Session } from '../session.js';
import { Aggregator, type AnalyzeFilter } from './aggregate.js';
import { buildDocument, type AnalyzeDocument } from './document.js';
import { renderText, sessionRow, type SessionRow } from './text.js';

export interface AnalyzeOptions {
  files: string[];
  output: 'text' | 'json' | 'events';
  /** Text: add the per-session table. */
  sessionsTable?: boolean;
  filter?: AnalyzeFilter;
  timeZone?: string;
  /** Host for lines that name none (busybox `-S`, pppd logfile); default the pipeline's. */
  defaultHost?: string;
  stdin?: Readable;
  nowMs?: number;
  /**
   * Read on a worker thread (classify on this one): default for large regular files (worthParallel);
   * true/false forces it (tests compare both).
   */
  parallel?: boolean;
  /** A ParallelReader already started on `files` (the CLI starts it before loading this module). */
  reader?: ParallelReader;
  write: (s: string) => void;
  writeErr: (s: string) => void;
}

/** Coalesces small writes: one write per 64 KiB instead of one per line. */
class Out {
  private buf: string[] = [];
  private size = 0;
  constructor(private readonly sink: (s: string) => void) {}
  put(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size >= 65_536) this.flush();
  }
  flush(): void {
    if (!this.buf.length) return;
    this.sink(this.buf.join(''));
    this.buf = [];
    this.size = 0;
  }
}

/** Runs the analysis and writes the report; returns the exit code (0, or 2 when an input was unreadable). */
export async function runAnalyze(o: AnalyzeOptions): Promise<number> {
  const out = new Out(o.write);
  const ro: ReadOptions = {
    ...(o.timeZone !== undefined ? { timeZone: o.timeZone } : {}),
    ...(o.nowMs !== undefined ? { nowMs: o.nowMs } : {}),
    onIssue: (i) => o.writeErr(`pptpmon analyze: ${formatIssue(i)}\n`),
  };
  let reader: LogReader | ParallelReader | undefined = o.reader;
  if (reader === undefined) {
    const parallel = o.stdin === undefined && (o.parallel ?? (await worthParallel(o.files)));
    reader = parallel
      ? new ParallelReader(o.files, ro)
      : new LogReader(o.files, { ...ro, ...(o.stdin !== undefined ? { stdin: o.stdin } : {}) });
  }
  await reader.open();
  const pipeline = new LogPipeline(o.defaultHost !== undefined ? { host: o.defaultHost } : {});
  const agg = new Aggregator(o.filter ?? {});
  const rows: SessionRow[] = [];
  let sessionsWritten = 0;

  const onSession = (s: Session): void => {
    if (!agg.sessionMatches(s)) return;
    agg.addSession(s);
    if (o.output === 'json') {
      out.put(sessionsWritten++ === 0 ? '\n' : ',\n');
      out.put(JSON.stringify(s));
    } else if (o.output === 'text' && o.sessionsTable) rows.push(sessionRow(s));
  };

  // The per-record loop in its own small function: V8 optimizes it early, while runAnalyze (an async
  // function too big for the analyze bytecode-size cap) would run it in baseline code throughout.
  const events = o.output === 'events';
  const feed = (batch: readonly LogRecord[]): void => {
    for (let i = 0; i < batch.length; i++) {
      const evs = pipeline.push(batch[i] as LogRecord);
      for (let k = 0; k < evs.length; k++) {
        const ev = evs[k] as Event;
        agg.noteEvent(ev);
        if (events && agg.eventMatches(ev)) out.put(JSON.stringify(ev) + '\n');
      }
    }
  };
  if (o.output === 'json') out.put('{"sessions":[');
  for await (const batch of reader.batches()) {
    feed(batch);
    for (const s of pipeline.drainClosed()) onSession(s);
  }
  for (const s of pipeline.finish()) onSession(s);

  const doc: AnalyzeDocument = buildDocument({
    figures: agg.figures(),
    files: reader.summaries(),
    issues: reader.issues,
    unclassified: pipeline.unclassified(),
    stats: pipeline.stats(),
    timeZone: reader.timeZone,
  });
  if (o.output === 'json') {
    const { sessions: _omit, ...rest } = doc;
    out.put(sessionsWritten ? '\n],' : '],');
    out.put(JSON.stringify(rest).slice(1));
    out.put('\n');
  } else if (o.output === 'text') {
    out.put(renderText(doc, o.sessionsTable ? rows : undefined));
  }
  out.flush();
  return reader.issues.fatal ? 2 : 0;
}
