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
import { readCheckpoints, type Checkpoints } from './checkpoint.js';
import type { FollowedLine } from './file.js';
import { readLogreadState, type LogreadState } from './logread.js';
import { array, child, number, object, optional, parseJson, string, literal, type At } from './validate.js';

/** CopyDedup's held lines (whole, to deliver later) and remembered copies (dedup.ts). */
export interface DedupState {
  held: FollowedLine[];
  copies: { id: string; src: string; msg: string }[];
}

export interface FollowState {
  version: 1;
  checkpoints: Checkpoints;
  logread?: LogreadState;
  dedup?: DedupState;
}

function readFollowedLine(v: unknown, at: At): FollowedLine {
  const o = object(v, at);
  return {
    id: string(o, 'id', at),
    file: string(o, 'file', at),
    line: number(o, 'line', at),
    text: string(o, 'text', at),
    readFrom: string(o, 'readFrom', at),
  };
}

function readDedupState(v: unknown, at: At): DedupState {
  const o = object(v, at);
  return {
    held: array(o.held, child(at, 'held'), readFollowedLine),
    copies: array(o.copies, child(at, 'copies'), (c, a) => {
      const x = object(c, a);
      return { id: string(x, 'id', a), src: string(x, 'src', a), msg: string(x, 'msg', a) };
    }),
  };
}

/** A checked copy of follow-state.json's content. */
export function readFollowState(v: unknown, at: At): FollowState {
  const o = object(v, at);
  const st: FollowState = {
    version: literal(o, 'version', 1, at),
    checkpoints: readCheckpoints(o.checkpoints, child(at, 'checkpoints')),
  };
  const logread = optional(o, 'logread', at, readLogreadState);
  if (logread) st.logread = logread;
  const dedup = optional(o, 'dedup', at, readDedupState);
  if (dedup) st.dedup = dedup;
  return st;
}

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
  const file = `follow state ${path}`;
  return readFollowState(parseJson(text, file), { file, path: '' });
}

/** Whether two checkpoint sets are the same (both re-read: known keys in the same order). */
export function sameCheckpoints(a: Checkpoints, b: Checkpoints): boolean {
  const at = { file: 'checkpoints', path: '' };
  return JSON.stringify(readCheckpoints(a, at)) === JSON.stringify(readCheckpoints(b, at));
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
