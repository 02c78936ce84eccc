/**
 * The packet format shared by LCP, IPCP and CCP (RFC 1661 §5, RFC 1332, RFC 1962): code, identifier,
 * length, data; and the Type-Length-Value option list Configure-Request/Ack/Nak/Reject carry.
 * Bytes past `length` are padding and ignored (RFC 1661 §5); a length beyond the data is an error.
 */
import { fail, ok, type Decoded } from './decode.js';

export const CP = {
  ConfReq: 1,
  ConfAck: 2,
  ConfNak: 3,
  ConfRej: 4,
  TermReq: 5,
  TermAck: 6,
  CodeRej: 7,
  ProtRej: 8,
  EchoReq: 9,
  EchoRep: 10,
  DiscardReq: 11,
  ResetReq: 14,
  ResetAck: 15,
} as const;

export interface CpPacket {
  code: number;
  id: number;
  data: Buffer;
}

export interface CpOption {
  type: number;
  data: Buffer;
}

export function encodeCp(p: CpPacket): Buffer {
  const b = Buffer.alloc(4 + p.data.length);
  b.writeUInt8(p.code, 0);
  b.writeUInt8(p.id & 0xff, 1);
  b.writeUInt16BE(b.length, 2);
  p.data.copy(b, 4);
  return b;
}

export function decodeCp(layer: string, b: Buffer): Decoded<CpPacket> {
  if (b.length < 4) return fail(layer, `packet of ${b.length} bytes is shorter than 4`);
  const length = b.readUInt16BE(2);
  if (length < 4) return fail(layer, `length field ${length} is below 4`, 2);
  if (length > b.length)
    return fail(layer, `length field ${length} exceeds the ${b.length} bytes present`, 2);
  return ok({ code: b.readUInt8(0), id: b.readUInt8(1), data: Buffer.from(b.subarray(4, length)) });
}

export function encodeOptions(opts: CpOption[]): Buffer {
  return Buffer.concat(
    opts.map((o) => {
      const b = Buffer.alloc(2 + o.data.length);
      b.writeUInt8(o.type, 0);
      b.writeUInt8(b.length, 1);
      o.data.copy(b, 2);
      return b;
    }),
  );
}

export function decodeOptions(layer: string, b: Buffer): Decoded<CpOption[]> {
  const out: CpOption[] = [];
  let o = 0;
  while (o < b.length) {
    if (b.length - o < 2) return fail(layer, 'truncated option header', o);
    const type = b.readUInt8(o);
    const len = b.readUInt8(o + 1);
    if (len < 2) return fail(layer, `option ${type} has length ${len} (< 2)`, o + 1);
    if (o + len > b.length) return fail(layer, `option ${type} length ${len} runs past the packet`, o + 1);
    out.push({ type, data: Buffer.from(b.subarray(o + 2, o + len)) });
    o += len;
  }
  return ok(out);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff, 0);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
