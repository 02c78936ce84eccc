/**
 * Problems with the input, as values: a missing file, a truncated gzip, a line that is not UTF-8.
 * Each names the file and, where there is one, the line. The run goes on; the report lists them.
 * Per file and kind only the first few are kept word for word (and echoed), the rest are counted, so
 * a file of garbage cannot fill memory or the terminal.
 */
export type IssueKind =
  'missing' | 'unreadable' | 'gzip' | 'read' | 'utf8' | 'binary' | 'long-line' | 'malformed';

export interface InputIssue {
  kind: IssueKind;
  file: string;
  line?: number;
  message: string;
}

/** Issues that mean an input could not be read at all (exit code 2 by the ARCHITECTURE.md contract). */
const FATAL: ReadonlySet<IssueKind> = new Set(['missing', 'unreadable']);

export const ISSUES_KEPT_PER_KIND = 5;

export class IssueLog {
  readonly kept: InputIssue[] = [];
  /** Count of every issue by `file\tkind`, including those not kept word for word. */
  readonly counts = new Map<string, number>();
  fatal = false;

  constructor(private readonly echo?: (issue: InputIssue) => void) {}

  add(issue: InputIssue): void {
    if (FATAL.has(issue.kind)) this.fatal = true;
    const key = `${issue.file}\t${issue.kind}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    if (n <= ISSUES_KEPT_PER_KIND) {
      this.kept.push(issue);
      this.echo?.(issue);
    }
  }

  /**
   * Takes the totals of a log kept on another thread (parallel.ts), whose kept issues were add()ed
   * here as they came: afterwards the counts are that log's.
   */
  absorb(counts: Iterable<[string, number]>, fatal: boolean): void {
    for (const [key, n] of counts) this.counts.set(key, n);
    if (fatal) this.fatal = true;
  }

  /** Per file and kind: how many more there were than the kept ones. */
  overflow(): { file: string; kind: IssueKind; more: number }[] {
    const out: { file: string; kind: IssueKind; more: number }[] = [];
    for (const [key, n] of this.counts) {
      if (n <= ISSUES_KEPT_PER_KIND) continue;
      const [file = '', kind = 'malformed'] = key.split('\t');
      out.push({ file, kind: kind as IssueKind, more: n - ISSUES_KEPT_PER_KIND });
    }
    return out;
  }
}

export function formatIssue(i: InputIssue): string {
  return i.line === undefined ? `${i.file}: ${i.message}` : `${i.file}:${i.line}: ${i.message}`;
}
