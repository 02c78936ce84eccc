/**
 * Helpers for the corpus test: reading a case's lines into LogRecords, and matching expectations.
 * Lines go through LOGS-A's LineParser when src/logs/formats is present (so the corpus also exercises
 * the real reader), else through the small adapter below (BSD syslog with/without host, short-iso,
 * pppd logfile).
 */
import { readdirSync } from 'node:fs';
import type { LogRecord } from '../../src/logs/record.js';

const CORPUS = new URL('../corpus/', import.meta.url);

/** Paths of every corpus log, test/corpus/<program>/<case>.log. */
export function corpusLogs(): string[] {
  const out: string[] = [];
  for (const sub of readdirSync(CORPUS, { withFileTypes: true })) {
    if (!sub.isDirectory()) continue;
    for (const f of readdirSync(new URL(`${sub.name}/`, CORPUS)))
      if (f.endsWith('.log')) out.push(new URL(`${sub.name}/${f}`, CORPUS).pathname);
  }
  return out;
}

export interface ExpectedEvent {
  line: number;
  kind: string;
  attrs?: Record<string, unknown>;
  user?: string;
  peer?: string;
  severity?: string;
}

export interface ExpectedCase {
  description: string;
  source: string;
  host?: string;
  pppdLogfile?: boolean;
  events?: ExpectedEvent[];
  sessions?: (Record<string, unknown> & { evidenceIncludes?: string[] })[];
  unclassified?: number;
  /** `formats`: the case needs LOGS-A's line parser (formats the test adapter does not read). */
  requires?: 'formats';
}

type Parse = (line: string, lineNo: number) => LogRecord | undefined;

interface FormatsModule {
  LineParser: new (opts: { file: string; zone: string; refMs: number; pppdLogfile?: boolean }) => {
    parse(s: string, line: number): { rec: LogRecord };
  };
}

const REF_MS = Date.UTC(2026, 11, 31, 12);
const BSD = /^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (?:([^\s[\]:]+) )?([^\s[\]:]+)(?:\[(\d+)\])?: ?(.*)$/;
const ISO =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) ([^\s[\]:]+)(?:\[(\d+)\])?: ?(.*)$/;

function adapter(file: string, pppdLogfile: boolean): Parse {
  return (raw, line) => {
    let m = BSD.exec(raw);
    if (m) {
      const ts = new Date(`${m[1]} 2026 UTC`).toISOString();
      const rec: LogRecord = {
        ts,
        tsSource: 'line',
        program: m[3],
        message: m[5] ?? '',
        raw,
        file,
        line,
        format: 'rfc3164',
      };
      if (m[2] !== undefined) rec.host = m[2];
      if (m[4] !== undefined) rec.pid = Number(m[4]);
      return rec;
    }
    m = ISO.exec(raw);
    if (m) {
      const iso = (m[1] ?? '').replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
      const rec: LogRecord = {
        ts: new Date(iso).toISOString(),
        tsSource: 'line',
        host: m[2],
        program: m[3],
        message: m[5] ?? '',
        raw,
        file,
        line,
        format: 'short-iso',
      };
      if (m[4] !== undefined) rec.pid = Number(m[4]);
      return rec;
    }
    if (pppdLogfile) return { tsSource: 'none', message: raw, raw, file, line, format: 'pppd-logfile' };
    return { tsSource: 'none', message: raw, raw, file, line, format: 'bare' };
  };
}

let formats: FormatsModule | null | undefined;

/** LOGS-A's formats module, if this tree has it (it is developed in parallel). */
async function loadFormats(): Promise<FormatsModule | null> {
  if (formats !== undefined) return formats;
  const path = '../../src/logs/formats/index.js';
  try {
    const mod = (await import(path)) as Partial<FormatsModule>;
    formats = typeof mod.LineParser === 'function' ? (mod as FormatsModule) : null;
  } catch {
    formats = null;
  }
  return formats;
}

/** Whether LOGS-A's line parser is available (and not switched off for the run). */
export async function haveFormats(): Promise<boolean> {
  return process.env.PPTPMON_CORPUS_ADAPTER !== '1' && (await loadFormats()) !== null;
}

export async function recordsOf(
  text: string,
  file: string,
  pppdLogfile: boolean,
): Promise<{ recs: LogRecord[]; via: string }> {
  const f = process.env.PPTPMON_CORPUS_ADAPTER === '1' ? null : await loadFormats();
  let parse: Parse;
  let via = 'test adapter';
  if (f) {
    const p = new f.LineParser({ file, zone: 'UTC', refMs: REF_MS, pppdLogfile });
    parse = (s, n) => p.parse(s, n).rec;
    via = 'src/logs/formats LineParser';
  } else parse = adapter(file, pppdLogfile);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const recs: LogRecord[] = [];
  lines.forEach((l, i) => {
    const r = parse(l, i + 1);
    if (r) recs.push(r);
  });
  return { recs, via };
}

/** Every listed key equal (deep for objects); `null` means the key must be absent. */
export function partialMismatch(
  actual: Record<string, unknown>,
  expected: Record<string, unknown>,
): string | undefined {
  for (const [k, want] of Object.entries(expected)) {
    if (k === 'evidenceIncludes') continue;
    const got = actual[k];
    if (want === null) {
      if (got !== undefined) return `${k}: expected absent, got ${JSON.stringify(got)}`;
      continue;
    }
    if (typeof want === 'object' && !Array.isArray(want)) {
      if (typeof got !== 'object' || got === null)
        return `${k}: expected an object, got ${JSON.stringify(got)}`;
      const inner = partialMismatch(got as Record<string, unknown>, want as Record<string, unknown>);
      if (inner) return `${k}.${inner}`;
      continue;
    }
    if (JSON.stringify(got) !== JSON.stringify(want))
      return `${k}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
  }
  return undefined;
}
