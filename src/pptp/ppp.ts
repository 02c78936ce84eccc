/**
 * PPP frames inside PPTP GRE (RFC 2637 §4.1: no HDLC flags, escapes or FCS). The address/control
 * bytes FF 03 may be absent once ACFC is negotiated and a protocol field below 0x100 may be one byte
 * once PFC is (RFC 1661 §6.5/§6.6); pppd 2.4.9 on the lab sends `<pcomp> <accomp>` in its LCP
 * Configure-Request, so the decoder accepts every form. We always send the full form (allowed even
 * after the peer acked ACFC/PFC: they permit, never require, compression).
 */
import { fail, ok, type Decoded } from './decode.js';

export const PPP = {
  IP: 0x0021,
  IPV6: 0x0057,
  MPPE: 0x00fd,
  LCP: 0xc021,
  PAP: 0xc023,
  CHAP: 0xc223,
  IPCP: 0x8021,
  IPV6CP: 0x8057,
  CCP: 0x80fd,
} as const;

export interface PppFrame {
  protocol: number;
  info: Buffer;
}

export function encodePpp(protocol: number, info: Uint8Array): Buffer {
  const b = Buffer.alloc(4 + info.length);
  b.writeUInt8(0xff, 0);
  b.writeUInt8(0x03, 1);
  b.writeUInt16BE(protocol, 2);
  Buffer.from(info).copy(b, 4);
  return b;
}

export function decodePpp(b: Buffer): Decoded<PppFrame> {
  let o = 0;
  if (b.length >= 2 && b.readUInt8(0) === 0xff && b.readUInt8(1) === 0x03) o = 2;
  if (b.length <= o) return fail('ppp', 'frame has no protocol field', o);
  const first = b.readUInt8(o);
  let protocol: number;
  if ((first & 1) === 1) {
    protocol = first;
    o += 1;
  } else {
    if (b.length < o + 2) return fail('ppp', 'truncated protocol field', o);
    protocol = b.readUInt16BE(o);
    if ((protocol & 1) === 0)
      return fail('ppp', `invalid protocol 0x${protocol.toString(16)} (must be odd)`, o);
    o += 2;
  }
  return ok({ protocol, info: Buffer.from(b.subarray(o)) });
}
