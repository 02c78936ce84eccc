/**
 * Small readers for /proc and /sys text files, shared by the collectors. Each returns undefined (not
 * an exception) for a file that is absent, because processes and interfaces vanish between listing and
 * reading (a race the kernel does not prevent).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

export interface IfaceCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/**
 * /proc/net/dev: every interface's counters in one read (the same dev_get_stats() numbers as
 * /sys/class/net/IF/statistics/*, net/core/net-procfs.c), which matters with thousands of ppp links:
 * one read instead of 8 per interface.
 */
export function parseNetDev(text: string): Map<string, IfaceCounters> {
  const out = new Map<string, IfaceCounters>();
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (f.length < 16) continue;
    out.set(name, {
      rxBytes: f[0]!,
      rxPackets: f[1]!,
      rxErrors: f[2]!,
      rxDropped: f[3]!,
      txBytes: f[8]!,
      txPackets: f[9]!,
      txErrors: f[10]!,
      txDropped: f[11]!,
    });
  }
  return out;
}

/**
 * /proc/net/dev without building a map or per-line arrays: calls `fn` with the name and the 16
 * numeric fields (one reused array) of each interface `want` accepts. At 10,000 ppp links the file is
 * ~1.3 MB and is read every sessions interval; split()/map() made ~30 short-lived objects per line.
 */
export function scanNetDev(
  text: string,
  want: (name: string) => boolean,
  fn: (name: string, fields: readonly number[]) => void,
): void {
  const f: number[] = new Array<number>(16).fill(0);
  // The first two lines are headers (net/core/net-procfs.c dev_seq_printf_stats).
  let at = text.indexOf('\n', text.indexOf('\n') + 1) + 1;
  while (at > 0 && at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', at);
    if (colon > 0 && colon < end) {
      const name = text.slice(at, colon).trim();
      if (want(name)) {
        let n = 0;
        let i = colon + 1;
        while (n < 16 && i < end) {
          let c = text.charCodeAt(i);
          while (c === 32 && i < end) c = text.charCodeAt(++i);
          if (i >= end) break;
          let v = 0;
          for (; c >= 48 && c <= 57; c = text.charCodeAt(++i)) v = v * 10 + (c - 48);
          if (c !== 32 && i < end) break; // not a number: a malformed line is skipped
          f[n++] = v;
        }
        if (n >= 16) fn(name, f);
      }
    }
    at = end + 1;
  }
}

export function readNetDev(procRoot: string): Map<string, IfaceCounters> {
  return parseNetDev(readText(join(procRoot, 'net/dev')) ?? '');
}

/** "Header: a b c\nHeader: 1 2 3" pairs as in /proc/net/snmp and /proc/net/netstat. */
export function parseSnmpPairs(text: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(/\s+/);
    const values = lines[i + 1]!.split(/\s+/);
    const section = names[0]?.replace(/:$/, '');
    if (!section || values[0] !== names[0]) continue;
    const m = new Map<string, number>();
    for (let j = 1; j < names.length; j++) m.set(names[j]!, Number(values[j]));
    out.set(section, m);
  }
  return out;
}
