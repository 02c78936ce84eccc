/**
 * The followers' state beyond the file checkpoints (logread's position, the pppd copy dedup's held
 * lines), in `follow-state.json` beside checkpoints.json. It carries a copy of the checkpoints it was
 * taken with and is written (atomically) BEFORE checkpoints.json, so a crash between the two writes
 * leaves a follow-state that is one commit ahead: on load its checkpoint copy is then used instead of
 * checkpoints.json. Held lines and the positions past them are thus always saved together: the
 * positions never move past a held line without the held line being saved too.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { checkpointsSchema, type Checkpoints } from './checkpoint.js';
import { logreadStateSchema } from './logread.js';

/** CopyDedup's held lines (whole, to deliver later) and remembered copies (dedup.ts). */
const followedLineSchema = z.object({
  id: z.string(),
  file: z.string(),
  line: z.number(),
  text: z.string(),
  readFrom: z.string(),
});

export const dedupStateSchema = z.object({
  held: z.array(followedLineSchema),
  copies: z.array(z.object({ id: z.string(), src: z.string(), msg: z.string() })),
});
export type DedupState = z.infer<typeof dedupStateSchema>;

export const followStateSchema = z.object({
  version: z.literal(1),
  checkpoints: checkpointsSchema,
  logread: logreadStateSchema.optional(),
  dedup: dedupStateSchema.optional(),
});
export type FollowState = z.infer<typeof followStateSchema>;

export function followStatePath(checkpointPath: string): string {
  return join(dirname(checkpointPath), 'follow-state.json');
}

/** A missing file is no state; a corrupt one is an error naming it (like the checkpoint file). */
export function loadFollowState(path: string): FollowState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`follow state ${path}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const res = followStateSchema.safeParse(value);
  if (!res.success) throw new Error(`follow state ${path}: ${res.error.issues[0]?.message ?? 'invalid'}`);
  return res.data;
}

/** Whether two checkpoint sets are the same (both zod-parsed: same key order). */
export function sameCheckpoints(a: Checkpoints, b: Checkpoints): boolean {
  return JSON.stringify(checkpointsSchema.parse(a)) === JSON.stringify(checkpointsSchema.parse(b));
}

function fsyncDir(dir: string): void {
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Atomic replace: temp file, fsync, rename, fsync the directory. */
export function saveFollowState(path: string, st: FollowState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(st));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export function removeFollowState(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  fsyncDir(dirname(path));
}
