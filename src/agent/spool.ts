/**
 * The agent's disk spool: events (and session records) wait here until the server has them. Append-only NDJSON segment
 * files plus an acknowledged-position file (written atomically), so `kill -9` loses nothing that
 * append() returned for, and replay is in order. Bounded: when the total size passes `maxBytes`, the
 * oldest segment is dropped whole and an `agent.spool.dropped` event with the count is appended —
 * the only case where events are lost, and it is said so.
 */
import {
  closeSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  fsyncSync,
} from 'node:fs';
import { join } from 'node:path';

export interface SpoolOptions<T> {
  dir: string;
  /** Upper bound of the spool on disk. */
  maxBytes: number;
  /** A segment is closed and a new one started past this size. */
  segmentBytes?: number;
  /** The item that records a drop (an `agent.spool.dropped` event), appended after the drop. */
  droppedItem: (count: number) => T;
  /** Recognises a drop record (returns its count), so dropping it again carries the count on. */
  droppedCountOf?: (item: T) => number | undefined;
  /** fdatasync each append (default true); benchmarks may turn it off to measure the rest. */
  sync?: boolean;
}

export interface SpoolPosition {
  segment: number;
  offset: number;
}

/** Read size for peek(): bounds the spool's read buffer whatever the segment size. */
const READ_CHUNK = 256 * 1024;
const SEG_RE = /^seg-(\d{12})\.ndjson$/;
const segName = (n: number): string => `seg-${String(n).padStart(12, '0')}.ndjson`;

export class Spool<T> {
  private segments: number[];
  private sizes = new Map<number, number>();
  private fd: number | undefined;
  private acked: SpoolPosition;
  private droppedTotal = 0;
  private readonly segmentBytes: number;

  constructor(private readonly opts: SpoolOptions<T>) {
    mkdirSync(opts.dir, { recursive: true });
    this.segmentBytes = opts.segmentBytes ?? Math.max(64 * 1024, Math.floor(opts.maxBytes / 16));
    this.segments = readdirSync(opts.dir)
      .map((f) => SEG_RE.exec(f)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const s of this.segments) this.sizes.set(s, statSync(join(opts.dir, segName(s))).size);
    this.acked = this.loadAck();
    const last = this.segments[this.segments.length - 1];
    if (last !== undefined && (this.sizes.get(last) ?? 0) > 0) {
      // A crash mid-append leaves a torn last line (never acknowledged to the caller, who re-sends
      // it): end it so the next item starts on its own line; peek() skips the torn one.
      // Only the last byte is needed (a segment can be many MB).
      const size = this.sizes.get(last) ?? 0;
      const fd = openSync(join(opts.dir, segName(last)), 'r');
      const b = Buffer.alloc(1);
      try {
        readSync(fd, b, 0, 1, size - 1);
      } finally {
        closeSync(fd);
      }
      if (b[0] !== 0x0a) this.write('\n');
    }
  }

  private loadAck(): SpoolPosition {
    try {
      const p = JSON.parse(readFileSync(join(this.opts.dir, 'ack.json'), 'utf8')) as SpoolPosition;
      if (Number.isInteger(p.segment) && Number.isInteger(p.offset)) return p;
    } catch {
      // first start, or no ack yet
    }
    return { segment: this.segments[0] ?? 0, offset: 0 };
  }

  get dropped(): number {
    return this.droppedTotal;
  }

  /** Bytes not yet acknowledged (approximately: whole segments after the acked one). */
  get pendingBytes(): number {
    let n = 0;
    for (const s of this.segments) if (s >= this.acked.segment) n += this.sizes.get(s) ?? 0;
    return n - (this.segments.includes(this.acked.segment) ? this.acked.offset : 0);
  }

  /** Durable on return (fdatasync), in order. */
  append(items: readonly T[]): void {
    if (items.length === 0) return;
    // Written in pieces of ~256 KB with one fdatasync at the end: a 10,000-session sample pass is
    // ~6 MB of JSON, which as one string plus its Buffer copy was the agent's peak memory.
    let piece = '';
    for (const item of items) {
      piece += `${JSON.stringify(item)}\n`;
      if (piece.length >= READ_CHUNK) {
        this.write(piece, false);
        piece = '';
      }
    }
    this.write(piece, true);
    this.enforceBound();
  }

  private dirty = false;
  /** peek()'s read buffer, kept: one 256 KB allocation per second was garbage the old space kept for long. */
  private readonly readBuf = Buffer.allocUnsafe(READ_CHUNK);

  private write(text: string, sync = true): void {
    let last = this.segments[this.segments.length - 1];
    if (last === undefined || (this.sizes.get(last) ?? 0) >= this.segmentBytes) {
      // Pieces of one append may span two segments: the first must be durable before it is closed.
      if (this.fd !== undefined && this.dirty && (this.opts.sync ?? true)) fdatasyncSync(this.fd);
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      last = (last ?? 0) + 1;
      this.segments.push(last);
      this.sizes.set(last, 0);
    }
    this.fd ??= openSync(join(this.opts.dir, segName(last)), 'a');
    const n = text.length > 0 ? writeSync(this.fd, text) : 0;
    this.dirty = true;
    if (sync && (this.opts.sync ?? true)) {
      fdatasyncSync(this.fd);
      this.dirty = false;
    }
    this.sizes.set(last, (this.sizes.get(last) ?? 0) + n);
  }

  private total(): number {
    let n = 0;
    for (const s of this.segments) n += this.sizes.get(s) ?? 0;
    return n;
  }

  /** Oldest-first: drop whole unshipped segments (never the one being written) until under the bound. */
  private enforceBound(): void {
    let dropped = 0;
    let fresh = 0;
    while (this.total() > this.opts.maxBytes && this.segments.length > 1) {
      const oldest = this.segments.shift() as number;
      const path = join(this.opts.dir, segName(oldest));
      const from =
        oldest === this.acked.segment ? this.acked.offset : oldest < this.acked.segment ? Infinity : 0;
      for (const line of from === Infinity ? [] : segmentLines(path, from)) {
        if (line === '') continue;
        // A drop record that is itself dropped carries its count forward: the total stays exact.
        let carried: number | undefined;
        try {
          carried = this.opts.droppedCountOf?.(JSON.parse(line) as T);
        } catch {
          carried = undefined;
        }
        dropped += carried ?? 1;
        if (carried === undefined) fresh++;
      }
      unlinkSync(path);
      this.sizes.delete(oldest);
      if (this.acked.segment <= oldest) this.acked = { segment: this.segments[0] ?? oldest + 1, offset: 0 };
    }
    if (dropped > 0) {
      this.droppedTotal += fresh;
      this.saveAck();
      this.write(JSON.stringify(this.opts.droppedItem(dropped)) + '\n');
    }
  }

  /**
   * The next unacknowledged events, in order, and the position to ack once they are delivered. Reads
   * from the acknowledged offset in chunks: a segment is up to maxBytes/16 (16 MB by default) and the
   * shipper peeks every second, so reading whole segments cost that much memory and CPU each time.
   */
  peek(maxItems: number, maxBytes = 4 << 20): { items: T[]; next: SpoolPosition } {
    const events: T[] = [];
    let pos = { ...this.acked };
    let bytes = 0;
    const chunk = this.readBuf;
    for (const seg of this.segments) {
      if (seg < pos.segment) continue;
      if (seg > pos.segment) pos = { segment: seg, offset: 0 };
      let fd: number;
      try {
        fd = openSync(join(this.opts.dir, segName(seg)), 'r');
      } catch {
        continue; // dropped under us by the bound: the next segment follows
      }
      let off = pos.offset;
      let carry: Buffer | undefined; // a line longer than what one read gave
      try {
        reading: while (events.length < maxItems && bytes < maxBytes) {
          const n = readSync(fd, chunk, 0, chunk.length, off + (carry?.length ?? 0));
          if (n === 0) break; // end, or a torn tail after a crash mid-write: not acknowledged, ignored
          let data = chunk.subarray(0, n);
          if (carry) data = Buffer.concat([carry, data]);
          carry = undefined;
          let at = 0;
          for (;;) {
            if (events.length >= maxItems || bytes >= maxBytes) break reading;
            const nl = data.indexOf(0x0a, at);
            if (nl < 0) {
              carry = Buffer.from(data.subarray(at));
              break;
            }
            const line = data.toString('utf8', at, nl);
            bytes += nl + 1 - at;
            off += nl + 1 - at;
            at = nl + 1;
            try {
              events.push(JSON.parse(line) as T);
            } catch {
              // A corrupt line cannot be shipped; skipping it keeps the queue moving (counted by caller via gap).
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      pos = { segment: seg, offset: off };
      if (events.length >= maxItems || bytes >= maxBytes) break;
    }
    return { items: events, next: pos };
  }

  /** Marks everything before `pos` delivered; fully delivered segments are deleted. */
  ack(pos: SpoolPosition): void {
    // The shipper acks every idle second: write and fsync ack.json only when the position moved.
    if (pos.segment !== this.acked.segment || pos.offset !== this.acked.offset) {
      this.acked = { ...pos };
      this.saveAck();
    }
    const current = this.segments[this.segments.length - 1];
    for (const s of [...this.segments]) {
      const done = s < pos.segment || (s === pos.segment && pos.offset >= (this.sizes.get(s) ?? 0));
      if (!done || s === current) continue;
      unlinkSync(join(this.opts.dir, segName(s)));
      this.segments = this.segments.filter((x) => x !== s);
      this.sizes.delete(s);
    }
  }

  private saveAck(): void {
    const p = join(this.opts.dir, 'ack.json');
    writeFileSync(`${p}.tmp`, JSON.stringify(this.acked));
    const fd = openSync(`${p}.tmp`, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(`${p}.tmp`, p);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The lines of a segment file from a byte offset, read in chunks (a segment can be many MB). */
function* segmentLines(path: string, from: number): Generator<string> {
  const fd = openSync(path, 'r');
  const chunk = Buffer.allocUnsafe(READ_CHUNK);
  let pos = from;
  let carry = Buffer.alloc(0);
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      pos += n;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let at = 0;
      for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, at)) {
        yield data.toString('utf8', at, nl);
        at = nl + 1;
      }
      carry = Buffer.from(data.subarray(at));
    }
    if (carry.length > 0) yield carry.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
