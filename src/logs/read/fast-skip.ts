/**
 * The WebAssembly skip loop (skip.wat) for LineScanner.skipBsd: runs of plain BSD lines of other
 * programs, skipped at ~100 instructions a line. A plain file is read straight into the module's
 * memory (readBuffers); other chunks (gzip, stdin, a second file) are copied in. Offsets in and out
 * are the chunk's own. Only an optimisation: where WebAssembly is not available, or a chunk does not
 * fit, the scanner runs its JavaScript loop alone, with the same results.
 */
import type { PlainTail } from '../formats/plain.js';
import { CHUNK_BYTES, type LentBuffers } from './source.js';
import { SKIP_WASM } from './skip-wasm.js';

/** [0, 44) of the module's memory holds skip()'s results; three regions for chunks follow. */
const BASE = 64;
const PAGE = 65_536;
/** A region: one chunk and room for the skip loop's reads past a line's end (it stays below end). */
const REGION = CHUNK_BYTES + 64;

type SkipFn = (pos: number, lim: number, end: number, max: number) => number;

// The part of the WebAssembly API used here (tsconfig's lib has no WebAssembly types without DOM).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
}

export class FastSkip {
  private readonly memory: WasmMemory;
  private readonly fn: SkipFn;
  private readonly bytes: Uint8Array;
  private readonly results: Int32Array;
  /** After skip(): lines skipped, and the last one's start and end (without CR); chunk offsets. */
  count = 0;
  lastStart = -1;
  lastEnd = -1;
  /**
   * After skip(): whether it stopped at a relevant line in the plain shape, printable ASCII (then
   * tail() gives its offsets), rather than at a line the JavaScript loop must judge.
   */
  plain = false;

  /** Where the loaded chunk starts in the memory. */
  private base = BASE;
  private lent = false;

  constructor(instance: WasmInstance) {
    this.memory = instance.exports.memory as WasmMemory;
    this.fn = instance.exports.skip as SkipFn;
    // Sized once, never grown: growing would detach the buffers readBuffers() lent.
    const need = BASE + 3 * REGION;
    if (need > this.memory.buffer.byteLength)
      this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / PAGE));
    this.bytes = new Uint8Array(this.memory.buffer);
    this.results = new Int32Array(this.memory.buffer, 0, 11);
  }

  /**
   * Two CHUNK_BYTES buffers in the module's memory for a plain file to be read into (source.ts),
   * so that load() needs no copy; undefined while another file has them. give() returns them.
   */
  readBuffers(): LentBuffers | undefined {
    if (this.lent) return undefined;
    this.lent = true;
    const ab = this.memory.buffer;
    return {
      bufs: [Buffer.from(ab, BASE + REGION, CHUNK_BYTES), Buffer.from(ab, BASE + 2 * REGION, CHUNK_BYTES)],
      give: () => {
        this.lent = false;
      },
    };
  }

  /**
   * Makes `chunk` the one skip() reads until the next load() (by any scanner): in place when it is
   * in the module's memory, else copied in. False when it does not fit (then skip() must not run).
   */
  load(chunk: Uint8Array): boolean {
    if (chunk.buffer === this.memory.buffer) {
      this.base = chunk.byteOffset;
      return true;
    }
    if (chunk.length > CHUNK_BYTES) return false;
    this.bytes.set(chunk, BASE);
    this.base = BASE;
    return true;
  }

  /**
   * Skips the run of other programs' plain BSD lines from `pos` (a line start) of the loaded chunk of
   * `len` bytes; returns the start of the first line it did not settle (or a position >= len - 16).
   */
  skip(pos: number, len: number, maxLineBytes: number): number {
    const base = this.base;
    const stop = this.fn(pos + base, len - 16 + base, len + base, maxLineBytes) - base;
    const r = this.results;
    this.count = r[0] as number;
    this.lastStart = (r[1] as number) - base;
    this.lastEnd = (r[2] as number) - base;
    this.plain = r[3] === 1;
    return stop;
  }

  /**
   * The plain line skip() stopped at: its offsets into `tail` (as plainTail gives them); returns its
   * newline's and its end's (without CR) offsets as [nl, end] in `at`.
   */
  tail(tail: PlainTail, at: [number, number]): void {
    const r = this.results;
    const base = this.base;
    at[0] = (r[4] as number) - base;
    at[1] = (r[5] as number) - base;
    tail.hostEnd = (r[6] as number) - base;
    tail.progStart = (r[7] as number) - base;
    tail.progEnd = (r[8] as number) - base;
    tail.pid = r[9] as number;
    tail.msgStart = (r[10] as number) - base;
  }
}

let shared: FastSkip | null | undefined;

/**
 * The FastSkip of this thread, or undefined where WebAssembly (with SIMD) is not there. Scanners share
 * it: each push() loads its own chunk first and runs to its end without yielding.
 */
export function fastSkip(): FastSkip | undefined {
  if (shared === undefined) {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      if (wasm === undefined) throw new Error('no WebAssembly');
      const mod = new wasm.Module(Buffer.from(SKIP_WASM, 'base64'));
      shared = new FastSkip(new wasm.Instance(mod, {}));
    } catch {
      shared = null;
    }
  }
  return shared ?? undefined;
}
