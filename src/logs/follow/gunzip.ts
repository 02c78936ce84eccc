/**
 * Synchronous, incremental gunzip: compressed pieces in, inflated pieces out, one zlib state kept in
 * between, so a rotated `.gz` generation is read a bounded piece per poll instead of whole.
 *
 * Why not the public API: the follower's poll is synchronous (the agent stores a poll's lines, then
 * commits its checkpoint), zlib's streams are asynchronous, and the `*Sync` functions start a fresh
 * state per call. Node's own `zlibBufferSync` drives a stream object through `_processChunk`, which
 * closes the native handle after one call; minizlib (npm's tar) keeps the handle across calls by
 * making that close a no-op during the call. We do the same. If a future Node drops these internals,
 * `syncGunzipWorks` is false and callers fall back to inflating a generation whole (old behaviour).
 */
import { constants, createGunzip, gzipSync, type Gunzip } from 'node:zlib';

interface NativeHandle {
  close(): void;
}
/** The two internals used (lib/zlib.js: ZlibBase.prototype._processChunk, this._handle). */
interface ZlibInternals {
  _processChunk(chunk: Buffer, flushFlag: number): Buffer;
  _handle: NativeHandle | null;
}

function internals(z: Gunzip): ZlibInternals | undefined {
  const zi = z as unknown as Partial<ZlibInternals>;
  if (typeof zi._processChunk !== 'function' || !zi._handle || typeof zi._handle.close !== 'function')
    return undefined;
  return zi as ZlibInternals;
}

const noop = (): void => {};

export class SyncGunzip {
  private readonly z: Gunzip;
  private readonly zi: ZlibInternals;

  constructor() {
    this.z = createGunzip();
    // A zlib error also reaches the stream's 'error' event on a later tick (destroy): without a
    // listener it would crash the process; the same error is thrown synchronously by push().
    this.z.on('error', noop);
    const zi = internals(this.z);
    if (!zi) throw new Error('synchronous gunzip: this Node has no zlib _processChunk/_handle');
    this.zi = zi;
  }

  /**
   * Inflates `chunk` (Z_SYNC_FLUSH: all output available now), or ends the stream (`finish`), which
   * throws "unexpected end of file" when the gzip trailer was never seen (a file still being written
   * or cut short). Throws on corrupt data. Output per call is at most the chunk times zlib's ratio.
   */
  push(chunk: Buffer, finish = false): Buffer {
    const handle = this.zi._handle;
    if (!handle) throw new Error('synchronous gunzip: used after an error or close');
    const close = handle.close;
    handle.close = noop;
    try {
      // A copy: the first output buffer of a call is a view into the stream's own _outBuffer, which
      // the next call writes over from the same offset (processChunkSync never advances _outOffset).
      return Buffer.from(this.zi._processChunk(chunk, finish ? constants.Z_FINISH : constants.Z_SYNC_FLUSH));
    } finally {
      this.zi._handle = handle;
      handle.close = close;
      // processChunkSync adds an 'error' listener per call; keep only ours.
      for (const l of this.z.listeners('error'))
        if (l !== noop) this.z.removeListener('error', l as () => void);
    }
  }

  /** Frees the native state. After an error the stream is already destroyed, and destroy() ran its
   * handle close while that was our no-op: close the kept handle here, once. */
  close(): void {
    const handle = this.zi._handle;
    if (!this.z.destroyed) {
      this.z.close();
      return;
    }
    this.zi._handle = null;
    handle?.close();
  }
}

let works: boolean | undefined;

/** Checked once: two pieces through one state give the original back, and a cut stream is refused. */
export function syncGunzipWorks(): boolean {
  if (works !== undefined) return works;
  try {
    const text = Buffer.from('sync gunzip self-test\n'.repeat(64));
    const gz = gzipSync(text);
    const g = new SyncGunzip();
    const half = gz.length >> 1;
    const out = Buffer.concat([
      g.push(gz.subarray(0, half)),
      g.push(gz.subarray(half)),
      g.push(Buffer.alloc(0), true),
    ]);
    g.close();
    let refused = false;
    const cut = new SyncGunzip();
    try {
      cut.push(gz.subarray(0, half));
      cut.push(Buffer.alloc(0), true);
    } catch {
      refused = true;
    }
    cut.close();
    works = refused && out.equals(text);
  } catch {
    works = false;
  }
  return works;
}
