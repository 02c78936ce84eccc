/**
 * The WebAssembly skip loop (skip.wat) for LineScanner.skipBsd: runs of plain BSD lines of other
 * programs, skipped at ~100 instructions a line. The chunk is copied into the module's memory (one
 * memcpy per 1 MiB chunk); offsets in and out are the chunk's own. Only an optimisation: where
 * WebAssembly is not available the scanner runs its JavaScript loop alone, with the same results.
 */
import type { PlainTail } from '../formats/plain.js';
import { SKIP_WASM } from './skip-wasm.js';

/** Where the chunk starts in the module's memory; [0, 44) holds skip()'s results. */
const BASE = 64;
const PAGE = 65_536;

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
  private bytes: Uint8Array;
  private results: Int32Array;
  /** After skip(): lines skipped, and the last one's start and end (without CR); chunk offsets. */
  count = 0;
  lastStart = -1;
  lastEnd = -1;
  /**
   * After skip(): whether it stopped at a relevant line in the plain shape, printable ASCII (then
   * tail() gives its offsets), rather than at a line the JavaScript loop must judge.
   */
  plain = false;

  constructor(instance: WasmInstance) {
    this.memory = instance.exports.memory as WasmMemory;
    this.fn = instance.exports.skip as SkipFn;
    this.bytes = new Uint8Array(this.memory.buffer);
    this.results = new Int32Array(this.memory.buffer, 0, 11);
  }

  /** Copies a chunk in, to be read by skip() until the next load() (by any scanner). */
  load(chunk: Uint8Array): void {
    const need = BASE + chunk.length + 16;
    if (need > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / PAGE));
      this.bytes = new Uint8Array(this.memory.buffer);
      this.results = new Int32Array(this.memory.buffer, 0, 11);
    }
    this.bytes.set(chunk, BASE);
  }

  /**
   * Skips the run of other programs' plain BSD lines from `pos` (a line start) of the loaded chunk of
   * `len` bytes; returns the start of the first line it did not settle (or a position >= len - 16).
   */
  skip(pos: number, len: number, maxLineBytes: number): number {
    const stop = this.fn(pos + BASE, len - 16 + BASE, len + BASE, maxLineBytes) - BASE;
    const r = this.results;
    this.count = r[0] as number;
    this.lastStart = (r[1] as number) - BASE;
    this.lastEnd = (r[2] as number) - BASE;
    this.plain = r[3] === 1;
    return stop;
  }

  /**
   * The plain line skip() stopped at: its offsets into `tail` (as plainTail gives them); returns its
   * newline's and its end's (without CR) offsets as [nl, end] in `at`.
   */
  tail(tail: PlainTail, at: [number, number]): void {
    const r = this.results;
    at[0] = (r[4] as number) - BASE;
    at[1] = (r[5] as number) - BASE;
    tail.hostEnd = (r[6] as number) - BASE;
    tail.progStart = (r[7] as number) - BASE;
    tail.progEnd = (r[8] as number) - BASE;
    tail.pid = r[9] as number;
    tail.msgStart = (r[10] as number) - BASE;
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
