/**
 * Opening an input: a file (plain or gzip, told apart by the gzip magic bytes, not the name, since
 * logrotate's `delaycompress` and hand renames both lie) or `-` for stdin. Yields raw byte chunks;
 * read errors end the iteration with an error the scanner reports with the line reached.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { IssueLog } from './issues.js';

export const CHUNK_BYTES = 1 << 20;

export interface InputSource {
  name: string;
  /** For the year of yearless lines and the time of untimed ones; undefined for a stream. */
  mtimeMs: number | undefined;
  chunks: AsyncIterable<Buffer>;
  /** Set once the first chunk is seen: was the input gzip? */
  gzip: { value: boolean };
}

async function* decoded(src: Readable, gzip: { value: boolean }): AsyncGenerator<Buffer> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  if (first.done) return;
  const head = first.value;
  if (head[0] === 0x1f && head[1] === 0x8b) {
    gzip.value = true;
    // Loaded on use: a plain file (the common case) does not pay for zlib's and stream's modules.
    const [{ createGunzip }, { Readable, pipeline }] = await Promise.all([
      import('node:zlib'),
      import('node:stream'),
    ]);
    const rest = (async function* () {
      yield head;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    })();
    const gz = createGunzip({ chunkSize: 1 << 18 });
    // pipeline() carries a source error into gz, so the loop below throws it instead of hanging.
    pipeline(Readable.from(rest), gz, () => {});
    for await (const c of gz) yield c as Buffer;
    return;
  }
  yield head;
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    yield r.value;
  }
}

/**
 * A plain file read into two buffers, reused in turn: a new 1 MiB buffer per chunk made peak RSS grow
 * with the file (freed chunks linger in the allocator). The next read is issued before a chunk is
 * handed on, so the disk/page-cache copy overlaps the scanning instead of leaving the thread idle. The
 * consumer (LineScanner) keeps no view of a chunk past its push(); a buffer is refilled only after
 * the consumer asked for the chunk after it.
 */
async function* plainChunks(fh: FileHandle, lent?: LentBuffers): AsyncGenerator<Buffer> {
  const bufs = lent?.bufs ?? ([Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)] as const);
  let cur = 0;
  let next: Promise<{ bytesRead: number }> | undefined = fh.read(bufs[0], 0, CHUNK_BYTES, null);
  try {
    for (;;) {
      const { bytesRead } = await next;
      next = undefined;
      if (bytesRead === 0) return;
      const b = bufs[cur] as Buffer;
      cur ^= 1;
      next = fh.read(bufs[cur] as Buffer, 0, CHUNK_BYTES, null);
      yield b.subarray(0, bytesRead);
    }
  } finally {
    // Stopped early (or failed): let a read in flight finish before the handle closes.
    if (next) await next.catch(() => undefined);
    lent?.give();
    await fh.close();
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a log file';
    default:
      return e.message ?? String(err);
  }
}

/** Two CHUNK_BYTES buffers a plain file may be read into instead of its own, and how to give them back. */
export interface LentBuffers {
  bufs: readonly [Buffer, Buffer];
  give: () => void;
}

/**
 * Opens `name` (or stdin for `-`); undefined (with the issue logged) when it cannot be read. `stdin`
 * is called only for `-`: process.stdin sets up a stream (a pipe's socket) when first touched;
 * `lend` only for a plain file (FastSkip.readBuffers).
 */
export async function openInput(
  name: string,
  issues: IssueLog,
  stdin: () => Readable,
  lend?: () => LentBuffers | undefined,
): Promise<InputSource | undefined> {
  const gzip = { value: false };
  if (name === '-') return { name: '(stdin)', mtimeMs: undefined, chunks: decoded(stdin(), gzip), gzip };
  try {
    const st = await stat(name);
    if (st.isDirectory()) {
      issues.add({ kind: 'unreadable', file: name, message: 'is a directory, not a log file' });
      return undefined;
    }
    // Open now, so a missing or unreadable file is reported before any output.
    const fh = await open(name, 'r');
    const magic = Buffer.alloc(2);
    await fh.read(magic, 0, 2, 0);
    if (magic[0] === 0x1f && magic[1] === 0x8b) {
      const rs = fh.createReadStream({ highWaterMark: CHUNK_BYTES });
      return { name, mtimeMs: st.mtimeMs, chunks: decoded(rs, gzip), gzip };
    }
    return { name, mtimeMs: st.mtimeMs, chunks: plainChunks(fh, lend?.()), gzip };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    issues.add({
      kind: e.code === 'ENOENT' ? 'missing' : 'unreadable',
      file: name,
      message: `cannot read: ${describe(err)}`,
    });
    return undefined;
  }
}
