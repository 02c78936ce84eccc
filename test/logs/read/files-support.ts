/**
 * Input files for the reader's tests: a temporary folder per test file, removed after its tests, and
 * files written with a fixed mtime (yearless syslog lines take their year from it).
 */
import { test } from 'node:test';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MTIME = new Date('2026-11-25T00:00:00Z');

export interface TempFiles {
  dir: string;
  /** Writes `dir/name` and sets its mtime (MTIME unless given); returns its path. */
  file(name: string, data: string | Buffer, o?: { encoding?: BufferEncoding; mtime?: Date }): string;
  /** Sets the mtime of a file written otherwise (a generated log) to MTIME. */
  stamp(path: string): void;
}

export function tempFiles(prefix: string): TempFiles {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  test.after(() => rmSync(dir, { recursive: true, force: true }));
  const stamp = (path: string, mtime = MTIME): void => utimesSync(path, mtime, mtime);
  return {
    dir,
    file(name, data, o = {}) {
      const p = join(dir, name);
      writeFileSync(p, data, o.encoding);
      stamp(p, o.mtime);
      return p;
    },
    stamp: (path) => stamp(path),
  };
}
