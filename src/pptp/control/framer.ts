/**
 * Splits the TCP byte stream of a control connection into messages. TCP may split a message across reads
 * or merge several into one read; the Length field (RFC 2637 section 2, first header field) delimits them.
 *
 * The header is validated as soon as its 12 bytes are present, so at most one maximal message
 * (MAX_CTRL_LENGTH bytes) is ever buffered: a hostile peer cannot make us hold unbounded data.
 * A bad header leaves no trustworthy way to find the next message, so it is fatal: the framer returns the
 * error and refuses all further input.
 */
import { checkHeader, decodeControl } from './codec.js';
import { HEADER_LENGTH } from './codes.js';
import type { ControlDecodeError, ControlMessage } from './messages.js';

export type FrameItem = { ok: true; message: ControlMessage } | { ok: false; error: ControlDecodeError };

export class ControlFramer {
  private pending: Buffer = Buffer.alloc(0);
  private fatal: ControlDecodeError | undefined;

  /** Feeds bytes; returns every complete message (or the fatal error) they finish. */
  push(chunk: Buffer): FrameItem[] {
    if (this.fatal) return [];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: FrameItem[] = [];
    while (this.pending.length >= HEADER_LENGTH) {
      const head = checkHeader(this.pending.subarray(0, HEADER_LENGTH));
      if (!head.ok) {
        this.fatal = head.error;
        this.pending = Buffer.alloc(0);
        out.push({ ok: false, error: head.error });
        return out;
      }
      if (this.pending.length < head.length) break;
      const frame = this.pending.subarray(0, head.length);
      this.pending = this.pending.subarray(head.length);
      const decoded = decodeControl(Buffer.from(frame));
      out.push(decoded.ok ? { ok: true, message: decoded.message } : { ok: false, error: decoded.error });
    }
    // A short first read can still show an impossible Length before the rest of the header arrives.
    if (this.pending.length >= 2 && this.pending.length < HEADER_LENGTH) {
      const length = this.pending.readUInt16BE(0);
      if (length < HEADER_LENGTH) {
        this.fatal = { code: 'bad_length', message: `Length field ${length} is below the 12-byte header` };
        out.push({ ok: false, error: this.fatal });
      }
    }
    return out;
  }

  /** Bytes held for an incomplete message (for "closed mid-message" reports). */
  get buffered(): number {
    return this.pending.length;
  }

  get failed(): ControlDecodeError | undefined {
    return this.fatal;
  }
}
