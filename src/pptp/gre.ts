/**
 * Enhanced GRE as PPTP uses it (RFC 2637 §4.1): version 1, protocol 0x880B, the key field carries the
 * payload length (high 16 bits) and the peer's call ID (low 16), optional sequence and acknowledgment
 * numbers. The C, R, s and recursion bits must be 0; K must be 1. A packet may be an ack only (no S bit,
 * no payload).
 */
import { fail, ok, type Decoded } from './decode.js';

export const GRE_PROTO_PPP = 0x880b;
const FLAG_C = 0x80;
const FLAG_R = 0x40;
const FLAG_K = 0x20;
const FLAG_S = 0x10;
const FLAG_STRICT = 0x08;
const RECUR_MASK = 0x07;
const FLAG_A = 0x80;
const VERSION_MASK = 0x07;

export interface GrePacket {
  callId: number;
  seq?: number;
  ack?: number;
  payload: Buffer;
}

export function encodeGre(p: GrePacket): Buffer {
  if (p.seq === undefined && p.payload.length > 0)
    throw new RangeError('GRE payload needs a sequence number');
  const len = 8 + (p.seq !== undefined ? 4 : 0) + (p.ack !== undefined ? 4 : 0);
  const b = Buffer.alloc(len + p.payload.length);
  b.writeUInt8(FLAG_K | (p.seq !== undefined ? FLAG_S : 0), 0);
  b.writeUInt8((p.ack !== undefined ? FLAG_A : 0) | 1, 1);
  b.writeUInt16BE(GRE_PROTO_PPP, 2);
  b.writeUInt16BE(p.payload.length, 4);
  b.writeUInt16BE(p.callId, 6);
  let o = 8;
  if (p.seq !== undefined) o = b.writeUInt32BE(p.seq >>> 0, o);
  if (p.ack !== undefined) o = b.writeUInt32BE(p.ack >>> 0, o);
  p.payload.copy(b, o);
  return b;
}

export function decodeGre(b: Buffer): Decoded<GrePacket> {
  if (b.length < 8) return fail('gre', `packet of ${b.length} bytes is shorter than the 8-byte header`);
  const f0 = b.readUInt8(0);
  const f1 = b.readUInt8(1);
  if ((f1 & VERSION_MASK) !== 1) return fail('gre', `version ${f1 & VERSION_MASK}, PPTP needs 1`, 1);
  if (f0 & (FLAG_C | FLAG_R | FLAG_STRICT | RECUR_MASK))
    return fail('gre', `reserved flags set (0x${f0.toString(16)})`);
  if (!(f0 & FLAG_K)) return fail('gre', 'K (key) bit not set');
  const proto = b.readUInt16BE(2);
  if (proto !== GRE_PROTO_PPP) return fail('gre', `protocol 0x${proto.toString(16)}, expected 0x880b`, 2);
  const payloadLength = b.readUInt16BE(4);
  const callId = b.readUInt16BE(6);
  let o = 8;
  const hasSeq = (f0 & FLAG_S) !== 0;
  const hasAck = (f1 & FLAG_A) !== 0;
  const need = o + (hasSeq ? 4 : 0) + (hasAck ? 4 : 0);
  if (b.length < need) return fail('gre', `header needs ${need} bytes, packet has ${b.length}`, o);
  const pkt: GrePacket = { callId, payload: Buffer.alloc(0) };
  if (hasSeq) {
    pkt.seq = b.readUInt32BE(o);
    o += 4;
  }
  if (hasAck) {
    pkt.ack = b.readUInt32BE(o);
    o += 4;
  }
  if (b.length - o < payloadLength) {
    return fail('gre', `payload length ${payloadLength} exceeds the ${b.length - o} bytes present`, o);
  }
  if (payloadLength > 0 && !hasSeq) return fail('gre', 'payload without a sequence number', 0);
  pkt.payload = Buffer.from(b.subarray(o, o + payloadLength));
  return ok(pkt);
}

/** Is `a` after `b` in 32-bit sequence space (RFC 1982 serial arithmetic)? */
export function seqAfter(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
