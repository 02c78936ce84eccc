/**
 * One file generation (the live file, `.1`, `.2.gz`, ...) read piece by piece through an fd held open:
 * a rename, a gzip-then-delete or retention while we read cannot take it away or hand its inode
 * number to another file. A `.gz` is inflated incrementally (gunzip.ts), so memory per read is the
 * piece asked for plus one inflated input chunk, never the whole generation.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { SyncGunzip, syncGunzipWorks } from './gunzip.js';
import { endsAt, firstLineHashOf, freshPosition, NL, PROBE_BYTES, sha1, type Position } from './position.js';

export interface Piece {
  data: Buffer;
  /** `data` runs to the end of the content (as far as it is written now, for a plain file). */
  eof: boolean;
}

/** Compressed bytes inflated per step: bounds one step's output to this times the compression ratio. */
const GZ_STEP_BYTES = 16384;
const EMPTY = Buffer.alloc(0);

export abstract class Generation {
  /** False for a `.gz` that ended before its gzip trailer (still being written, or damaged). */
  whole = true;
  /** Why a `.gz` could not be read to its end. */
  error: string | undefined;
  private head: string | undefined;

  constructor(
    readonly name: string,
    protected readonly fd: number,
    readonly dev: number,
    readonly ino: number,
    readonly mtimeMs: number,
  ) {}

  abstract get gz(): boolean;
  /** Content bytes from `offset`, at most `max`. A `.gz` reads forward only (never before the last offset). */
  abstract read(offset: number, max: number): Piece;

  /** The first line's hash ('' if the generation is empty or its first line is over PROBE_BYTES). */
  firstLineHash(): string {
    if (this.head === undefined) {
      try {
        this.head = firstLineHashOf(this.read(0, PROBE_BYTES).data);
      } catch {
        return ''; // a `.gz` already read past its head: asked only of fresh generations
      }
    }
    return this.head;
  }

  /** Was `pos` read from this generation: same first line, and its last line ends at its offset? */
  holds(pos: Position): boolean {
    if (pos.offset === 0 || !pos.firstLineHash || this.firstLineHash() !== pos.firstLineHash) return false;
    return endsAt(pos, (at, len) => this.read(at, len).data);
  }

  /** Modified less than `ms` ago (a plain file still being written; never a \`.gz\`, read as a whole). */
  changedWithin(ms: number): boolean {
    return !this.gz && Date.now() - fstatSync(this.fd).mtimeMs < ms;
  }

  close(): void {
    closeSync(this.fd);
  }
}

class PlainGeneration extends Generation {
  get gz(): boolean {
    return false;
  }
  read(offset: number, max: number): Piece {
    const size = fstatSync(this.fd).size;
    if (offset >= size || max <= 0) return { data: EMPTY, eof: offset >= size };
    const buf = Buffer.allocUnsafe(Math.min(max, size - offset));
    const n = readSync(this.fd, buf, 0, buf.length, offset);
    return { data: buf.subarray(0, n), eof: offset + n >= size };
  }
}

class GzGeneration extends Generation {
  /** Inflated bytes kept from `carryStart` on (a line cut by the last piece is asked for again). */
  private carry: Buffer = EMPTY;
  private carryStart = 0;
  private inPos = 0;
  private ended = false;
  private inflater: SyncGunzip | undefined;

  get gz(): boolean {
    return true;
  }

  read(offset: number, max: number): Piece {
    if (offset < this.carryStart)
      throw new Error(`${this.name}: gzip read at ${offset} is behind ${this.carryStart}`);
    const want = offset + max;
    // Keep what is at or after `offset`; skip (inflate and drop) up to it.
    const parts: Buffer[] = [];
    let have = 0;
    if (this.carryStart + this.carry.length > offset) {
      parts.push(this.carry.subarray(offset - this.carryStart));
      have = this.carryStart + this.carry.length - offset;
      this.carryStart = offset;
    } else {
      this.carryStart += this.carry.length;
    }
    this.carry = EMPTY;
    while (!this.ended && this.carryStart + have < want) {
      let out = this.step();
      if (have === 0 && this.carryStart < offset) {
        const skip = Math.min(out.length, offset - this.carryStart);
        this.carryStart += skip;
        out = out.subarray(skip);
      }
      if (out.length === 0) continue;
      parts.push(out);
      have += out.length;
    }
    this.carry = parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
    const data = this.carry.subarray(0, max);
    return { data, eof: this.ended && this.carry.length <= max };
  }

  /** Inflates the next compressed chunk; at the file's end, checks the gzip trailer. */
  private step(): Buffer {
    if (!syncGunzipWorks()) return this.whole_();
    this.inflater ??= new SyncGunzip();
    const chunk = Buffer.allocUnsafe(GZ_STEP_BYTES);
    const n = readSync(this.fd, chunk, 0, chunk.length, this.inPos);
    try {
      if (n > 0) {
        this.inPos += n;
        return this.inflater.push(chunk.subarray(0, n));
      }
      const out = this.inflater.push(EMPTY, true);
      this.end(undefined);
      return out;
    } catch (err) {
      this.end((err as Error).message);
      return EMPTY;
    }
  }

  /** This Node cannot inflate incrementally (see gunzip.ts): inflate it whole, as before. */
  private whole_(): Buffer {
    try {
      const size = fstatSync(this.fd).size;
      const raw = Buffer.allocUnsafe(size);
      const n = readSync(this.fd, raw, 0, size, 0);
      this.end(undefined);
      return gunzipSync(raw.subarray(0, n));
    } catch (err) {
      this.end((err as Error).message);
      return EMPTY;
    }
  }

  private end(error: string | undefined): void {
    this.ended = true;
    this.whole = error === undefined;
    this.error = error;
    this.inflater?.close();
    this.inflater = undefined;
  }

  override close(): void {
    this.inflater?.close();
    this.inflater = undefined;
    super.close();
  }
}

/** Opens `name` (a `.gz` by its name); undefined if it is not there or not a regular file. */
export function openGeneration(name: string): Generation | undefined {
  let fd: number;
  try {
    fd = openSync(name, 'r');
  } catch {
    return undefined;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    return undefined;
  }
  return wrapFd(name, fd, name.endsWith('.gz'), st);
}

/** A generation over an fd already held (the live file once renamed away); closing it closes the fd. */
export function wrapFd(name: string, fd: number, gz = false, st = fstatSync(fd)): Generation {
  const G = gz ? GzGeneration : PlainGeneration;
  return new G(name, fd, st.dev, st.ino, st.mtimeMs);
}

/**
 * Every rotated generation, newest first, opened as one consistent layout: logrotate renames them one
 * by one (.4 -> .5, .3 -> .4, ...), and names opened across such a shift could take one generation
 * for another or miss one. The name -> inode layout is compared before and after the opens; a change
 * means a rotation ran meanwhile, so they are opened again (bounded). `skip`: an inode held already
 * (the live file, renamed between its open and this call, is not a rotated generation to queue).
 */
export function openRotated(names: string[], skip?: { dev: number; ino: number }): Generation[] {
  const layout = (): string =>
    names
      .map((n) => {
        try {
          return `${n}:${statSync(n).ino}`;
        } catch {
          return `${n}:-`;
        }
      })
      .join('|');
  let gens: Generation[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = layout();
    closeAll(gens);
    gens = [];
    for (const name of names) {
      const g = openGeneration(name);
      if (!g) continue;
      if (skip && g.dev === skip.dev && g.ino === skip.ino) g.close();
      else gens.push(g);
    }
    if (layout() === before) break;
  }
  return gens;
}

export function closeAll(gens: Generation[]): void {
  for (const g of gens) g.close();
}

export function pread(fd: number, at: number, len: number): Buffer {
  const buf = Buffer.allocUnsafe(len);
  return buf.subarray(0, readSync(fd, buf, 0, len, at));
}

/**
 * The position after the last complete line of the file open at `fd` (where `tail -F` joins a file,
 * and the mark a copytruncate is detected by), with its first line's hash. Offset 0 when no line ends
 * in it, or its first line is over PROBE_BYTES (then it is read from its start).
 */
export function markOf(fd: number): Position {
  const st = fstatSync(fd);
  const pos = freshPosition(st.dev, st.ino);
  const firstLineHash = firstLineHashOf(pread(fd, 0, Math.min(st.size, PROBE_BYTES)));
  if (!firstLineHash) return pos;
  // Widen the tail window until it holds the last line whole (a line may exceed PROBE_BYTES).
  for (let len = Math.min(st.size, PROBE_BYTES); ; len = Math.min(st.size, len * 4)) {
    const tail = pread(fd, st.size - len, len);
    const lastNl = tail.lastIndexOf(NL);
    const prevNl = lastNl > 0 ? tail.lastIndexOf(NL, lastNl - 1) : -1;
    if (lastNl >= 0 && (prevNl >= 0 || len >= st.size)) {
      const last = tail.subarray(prevNl + 1, lastNl);
      pos.firstLineHash = firstLineHash;
      pos.offset = st.size - len + lastNl + 1;
      pos.lastLineHash = sha1(last);
      pos.lastLineLen = last.length;
      return pos;
    }
    if (len >= st.size) return pos;
  }
}

/** Default rotated names, newest first: logrotate/newsyslog .0, .1, .1.gz ... .5.gz */
export function defaultRotatedNames(path: string): string[] {
  const out = [`${path}.0`];
  for (let i = 1; i <= 5; i++) out.push(`${path}.${i}`, `${path}.${i}.gz`);
  return out;
}

export function statOrUndefined(name: string): { dev: number; ino: number; size: number } | undefined {
  try {
    const st = statSync(name);
    return st.isFile() ? { dev: st.dev, ino: st.ino, size: st.size } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One read buffer for every follower (polls are synchronous, and takeLines copies what it keeps into
 * strings): a fresh zero-filled 1 MB Buffer per poll was 4 MB/s of garbage per followed file at the
 * agent's 250 ms poll, most of the agent's idle memory growth and a share of its idle CPU.
 */
let shared: Buffer | undefined;
export function readBuffer(size: number): Buffer {
  if (!shared || shared.length < size) shared = Buffer.allocUnsafe(size);
  return shared.length === size ? shared : shared.subarray(0, size);
}
