/**
 * Follower checkpoints: where each followed file (and the journal) was read up to, persisted so a
 * restart (including `kill -9`) resumes exactly after the last delivered line.
 *
 * Written atomically: a temp file is written and fsync'd, renamed over the old one, and the directory
 * fsync'd, so a crash leaves either the old or the new checkpoint, never a torn one (POSIX rename(2)
 * is atomic within a file system). The caller saves a checkpoint only AFTER the lines it covers were
 * handed to durable storage: a crash in between re-delivers those lines (at-least-once), and their
 * stable ids (see file.ts `lineId`) let the receiver drop the repeats.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  child,
  count,
  literal,
  num,
  number,
  object,
  optional,
  parseJson,
  record,
  string,
  type At,
} from './validate.js';

export interface FileCheckpoint {
  /** Inode of the file generation the offset refers to (a rename keeps it, a new file changes it). */
  dev: number;
  ino: number;
  /** Byte just after the last delivered newline. */
  offset: number;
  /** Number of lines delivered from this generation (1-based line numbers continue from it). */
  line: number;
  /** sha1 of the last delivered line (no newline): proves a candidate file is the same generation. */
  lastLineHash: string;
  /** Byte length of that line, so the follower can re-check it cheaply on every poll. */
  lastLineLen: number;
  /** sha1 of the generation's first line: names the generation in line ids (survives gzip and copy). */
  firstLineHash: string;
  /**
   * Offset 0 only (no line read yet, so no hash names the generation): wall-clock ms taken before the
   * then-empty file was opened. Every line of that generation, and of every newer one, was written
   * after it, so a restart reads each rotated generation modified since then (file.ts `start`).
   * Absent in checkpoints written before this field existed.
   */
  seenAt?: number;
}

export interface Checkpoints {
  version: 1;
  files: Record<string, FileCheckpoint>;
  journal?: { cursor: string };
}

/** A checked copy of a file checkpoint: known keys only, always in this order. */
export function readFileCheckpoint(v: unknown, at: At): FileCheckpoint {
  const o = object(v, at);
  const cp: FileCheckpoint = {
    dev: number(o, 'dev', at),
    ino: number(o, 'ino', at),
    offset: count(o, 'offset', at),
    line: count(o, 'line', at),
    lastLineHash: string(o, 'lastLineHash', at),
    lastLineLen: count(o, 'lastLineLen', at),
    firstLineHash: string(o, 'firstLineHash', at),
  };
  const seenAt = optional(o, 'seenAt', at, num);
  if (seenAt !== undefined) cp.seenAt = seenAt;
  return cp;
}

/** A checked copy of a checkpoint set (the file's content, or follow-state.json's copy of it). */
export function readCheckpoints(v: unknown, at: At): Checkpoints {
  const o = object(v, at);
  const cps: Checkpoints = {
    version: literal(o, 'version', 1, at),
    files: record(o.files, child(at, 'files'), readFileCheckpoint),
  };
  const journal = optional(o, 'journal', at, (x, a) => ({ cursor: string(object(x, a), 'cursor', a) }));
  if (journal) cps.journal = journal;
  return cps;
}

export function emptyCheckpoints(): Checkpoints {
  return { version: 1, files: {} };
}

/** Reads the checkpoint file; a missing file is a first start, a corrupt one is an error naming it. */
export function loadCheckpoints(path: string): Checkpoints {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyCheckpoints();
    throw err;
  }
  const file = `checkpoint file ${path}`;
  return readCheckpoints(parseJson(text, file), { file, path: '' });
}

/** Atomic replace: write temp, fsync, rename, fsync the directory (so the rename itself is durable). */
export function saveCheckpoints(path: string, cps: Checkpoints): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(cps));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
