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
import { z } from 'zod';

export const fileCheckpointSchema = z.object({
  /** Inode of the file generation the offset refers to (a rename keeps it, a new file changes it). */
  dev: z.number(),
  ino: z.number(),
  /** Byte just after the last delivered newline. */
  offset: z.number().int().min(0),
  /** Number of lines delivered from this generation (1-based line numbers continue from it). */
  line: z.number().int().min(0),
  /** sha1 of the last delivered line (no newline): proves a candidate file is the same generation. */
  lastLineHash: z.string(),
  /** Byte length of that line, so the follower can re-check it cheaply on every poll. */
  lastLineLen: z.number().int().min(0),
  /** sha1 of the generation's first line: names the generation in line ids (survives gzip and copy). */
  firstLineHash: z.string(),
  /**
   * Offset 0 only (no line read yet, so no hash names the generation): wall-clock ms taken before the
   * then-empty file was opened. Every line of that generation, and of every newer one, was written
   * after it, so a restart reads each rotated generation modified since then (file.ts `start`).
   * Absent in checkpoints written before this field existed.
   */
  seenAt: z.number().optional(),
});
export type FileCheckpoint = z.infer<typeof fileCheckpointSchema>;

export const checkpointsSchema = z.object({
  version: z.literal(1),
  files: z.record(z.string(), fileCheckpointSchema),
  journal: z.object({ cursor: z.string() }).optional(),
});
export type Checkpoints = z.infer<typeof checkpointsSchema>;

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
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`checkpoint file ${path}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const res = checkpointsSchema.safeParse(value);
  if (!res.success) {
    throw new Error(`checkpoint file ${path}: ${res.error.issues[0]?.message ?? 'invalid'}`);
  }
  return res.data;
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
