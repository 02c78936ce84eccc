/**
 * Pure encode/decode of PPTP control messages (RFC 2637 section 2). The wire layout of each message is
 * a table (LAYOUTS in layouts.ts) read by one encoder and one decoder, so the byte offsets live in
 * exactly one place and can be checked against the RFC's figures line by line.
 *
 * The decoder is the boundary to untrusted peers: it checks every length before reading, never reads
 * past the buffer, and returns a typed error value instead of throwing.
 */
import {
  CTRL_LENGTHS,
  CTRL_NAMES,
  HEADER_LENGTH,
  MAGIC_COOKIE,
  MAX_CTRL_LENGTH,
  PPTP_MESSAGE_TYPE_CONTROL,
  isCtrlType,
  type CtrlType,
} from './codes.js';
import type { ControlDecodeError, ControlMessage, DecodeResult } from './messages.js';
import { FIELD_SIZE, LAYOUTS } from './layouts.js';

export { layoutLength } from './layouts.js';

/** Builds the wire form of a message. Numbers are masked to their field width; strings cut to fit. */
export function encodeControl(msg: ControlMessage): Buffer {
  const length = CTRL_LENGTHS[msg.type];
  const buf = Buffer.alloc(length);
  buf.writeUInt16BE(length, 0);
  buf.writeUInt16BE(PPTP_MESSAGE_TYPE_CONTROL, 2);
  buf.writeUInt32BE(MAGIC_COOKIE, 4);
  buf.writeUInt16BE(msg.type, 8);
  // bytes 10-11: Reserved0, zero.
  const values = msg as unknown as Readonly<Record<string, unknown>>;
  let off = HEADER_LENGTH;
  for (const [name, kind] of LAYOUTS[msg.type]) {
    const v = values[name];
    const n = typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
    switch (kind) {
      case 'u8':
        buf.writeUInt8(n & 0xff, off);
        break;
      case 'u16':
        buf.writeUInt16BE(n & 0xffff, off);
        break;
      case 'u32':
        buf.writeUInt32BE(n >>> 0, off);
        break;
      case 's64':
      case 's128': {
        // Fixed-size, NUL-padded octet strings (RFC 2637 2.1 "Host Name ... padded with NULLs").
        const s = typeof v === 'string' ? v : '';
        Buffer.from(s, 'latin1').copy(buf, off, 0, FIELD_SIZE[kind]);
        break;
      }
      case 'pad1':
      case 'pad2':
        break;
    }
    off += FIELD_SIZE[kind];
  }
  return buf;
}

function fail(code: ControlDecodeError['code'], message: string): DecodeResult {
  return { ok: false, error: { code, message } };
}

/**
 * Checks the 12-byte header that precedes every control message. Used by the framer as soon as enough
 * bytes are there, so a hostile stream is rejected before its body is buffered.
 * Returns the declared length and type, or an error.
 */
export function checkHeader(
  buf: Buffer,
): { ok: true; length: number; type: CtrlType } | { ok: false; error: ControlDecodeError } {
  if (buf.length < HEADER_LENGTH) {
    return { ok: false, error: { code: 'truncated', message: `header needs 12 bytes, got ${buf.length}` } };
  }
  const length = buf.readUInt16BE(0);
  if (length < HEADER_LENGTH) {
    return {
      ok: false,
      error: { code: 'bad_length', message: `Length field ${length} is below the 12-byte header` },
    };
  }
  if (length > MAX_CTRL_LENGTH) {
    return {
      ok: false,
      error: {
        code: 'oversized',
        message: `Length field ${length} exceeds the largest control message (${MAX_CTRL_LENGTH})`,
      },
    };
  }
  const pptpType = buf.readUInt16BE(2);
  if (pptpType !== PPTP_MESSAGE_TYPE_CONTROL) {
    return {
      ok: false,
      error: { code: 'bad_message_type', message: `PPTP Message Type ${pptpType}, expected 1 (control)` },
    };
  }
  const magic = buf.readUInt32BE(4);
  if (magic !== MAGIC_COOKIE) {
    return {
      ok: false,
      error: {
        code: 'bad_magic',
        message: `Magic Cookie 0x${magic.toString(16).padStart(8, '0')}, expected 0x1a2b3c4d`,
      },
    };
  }
  const type = buf.readUInt16BE(8);
  if (!isCtrlType(type)) {
    return { ok: false, error: { code: 'unknown_type', message: `unknown Control Message Type ${type}` } };
  }
  const expected = CTRL_LENGTHS[type];
  if (length !== expected) {
    return {
      ok: false,
      error: {
        code: 'bad_length',
        message: `${CTRL_NAMES[type]} with Length ${length}, expected ${expected}`,
      },
    };
  }
  return { ok: true, length, type };
}

/** Reads a NUL-padded octet string: the bytes before the first NUL, as latin1 (one char per octet). */
function readOctetString(buf: Buffer, off: number, size: number): string {
  const end = off + size;
  let stop = off;
  while (stop < end && buf[stop] !== 0) stop++;
  return buf.toString('latin1', off, stop);
}

/** Decodes exactly one control message from `buf` (which must hold that message and nothing else). */
export function decodeControl(buf: Buffer): DecodeResult {
  const head = checkHeader(buf);
  if (!head.ok) return { ok: false, error: head.error };
  if (buf.length < head.length) {
    return fail('truncated', `${CTRL_NAMES[head.type]} needs ${head.length} bytes, got ${buf.length}`);
  }
  if (buf.length > head.length) {
    return fail(
      'bad_length',
      `${CTRL_NAMES[head.type]} is ${head.length} bytes but ${buf.length} were given`,
    );
  }
  const out: Record<string, unknown> = { type: head.type };
  let off = HEADER_LENGTH;
  for (const [name, kind] of LAYOUTS[head.type]) {
    switch (kind) {
      case 'u8':
        out[name] = buf.readUInt8(off);
        break;
      case 'u16':
        out[name] = buf.readUInt16BE(off);
        break;
      case 'u32':
        out[name] = buf.readUInt32BE(off);
        break;
      case 's64':
      case 's128':
        out[name] = readOctetString(buf, off, FIELD_SIZE[kind]);
        break;
      case 'pad1':
      case 'pad2':
        break;
    }
    off += FIELD_SIZE[kind];
  }
  // The layout table and CTRL_LENGTHS agree (checked by a unit test), so every field above was in range.
  return { ok: true, message: out as unknown as ControlMessage };
}

/**
 * Makes a peer-supplied string safe to print: control and non-ASCII octets become \xNN, and the result
 * is capped. Host names and vendor strings come from the server and end up in terminals and alerts.
 */
export function printable(s: string, max = 64): string {
  let out = '';
  for (const ch of s.slice(0, max)) {
    const c = ch.charCodeAt(0);
    out += c >= 0x20 && c < 0x7f && ch !== '\\' ? ch : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return out;
}
