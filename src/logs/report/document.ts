/**
 * The `analyze --json` document (ARCHITECTURE.md "Contracts"): `sessions` and `summary` (with
 * `sessions`, `failures` by cause, `authFailures` by user and by peer, `peakConcurrent`), plus what
 * the text report also shows: time span, formats detected, unclassified lines, input errors.
 */
import type { LineFormat } from '../record.js';
import type { FileSummary, InputIssue, IssueLog } from '../read/index.js';
import type { Session } from '../session.js';
import type { SessionFigures } from './aggregate.js';

export const UNCLASSIFIED_SHOWN = 10;

export interface UnclassifiedLine {
  program: string;
  template: string;
  count: number;
  example: string;
}

export interface AnalyzeDocument {
  /** Streamed by run.ts; empty in the object built here. */
  sessions: Session[];
  summary: SessionFigures;
  span: { first?: string; last?: string };
  timeZone: string;
  formats: Partial<Record<LineFormat, number>>;
  files: FileSummary[];
  lines: number;
  records: number;
  events: number;
  unclassified: { total: number; distinct: number; top: UnclassifiedLine[] };
  inputErrors: InputIssue[];
  /** Issues beyond the few kept word for word, counted per file and kind. */
  inputErrorsMore: { file: string; kind: string; more: number }[];
  /** Records a classifier bug made the pipeline skip (should be 0). */
  internalErrors: number;
}

export interface DocumentParts {
  figures: SessionFigures;
  files: FileSummary[];
  issues: IssueLog;
  unclassified: UnclassifiedLine[];
  stats: { records: number; events: number; unclassified: number; internalErrors?: number };
  timeZone: string;
}

export function buildDocument(p: DocumentParts): AnalyzeDocument {
  const formats: Partial<Record<LineFormat, number>> = {};
  let lines = 0;
  let first: string | undefined;
  let last: string | undefined;
  for (const f of p.files) {
    lines += f.lines;
    for (const [k, n] of Object.entries(f.formats) as [LineFormat, number][])
      formats[k] = (formats[k] ?? 0) + n;
    if (f.first !== undefined && (first === undefined || f.first < first)) first = f.first;
    if (f.last !== undefined && (last === undefined || f.last > last)) last = f.last;
  }
  const span: { first?: string; last?: string } = {};
  if (first !== undefined) span.first = first;
  if (last !== undefined) span.last = last;
  return {
    sessions: [],
    summary: p.figures,
    span,
    timeZone: p.timeZone,
    formats,
    files: p.files,
    lines,
    records: p.stats.records,
    events: p.stats.events,
    unclassified: {
      total: p.stats.unclassified,
      distinct: p.unclassified.length,
      top: p.unclassified.slice(0, UNCLASSIFIED_SHOWN).map((u) => ({
        program: u.program,
        template: u.template,
        count: u.count,
        example: u.example,
      })),
    },
    inputErrors: p.issues.kept,
    inputErrorsMore: p.issues.overflow(),
    internalErrors: p.stats.internalErrors ?? 0,
  };
}
