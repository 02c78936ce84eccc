/**
 * Minimal IPv4 + ICMP echo (RFC 791, RFC 792) for the login probe's ping through the tunnel: the probe
 * has no kernel interface, so it builds the datagram itself and parses the server's reply.
 */
import { fail, ok, type Decoded } from './decode.js';

export function inetChecksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2 === 1) sum += b.readUInt8(b.length - 1) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipBytes(ip: string): Buffer | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return Buffer.from(parts);
}

export interface IcmpEcho {
  src: string;
  dst: string;
  type: number;
  id: number;
  seq: number;
  data: Buffer;
  ttl: number;
}

export function buildIcmpEcho(
  src: string,
  dst: string,
  id: number,
  seq: number,
  data: Buffer,
  ttl = 64,
): Buffer {
  const s = ipBytes(src);
  const d = ipBytes(dst);
  if (!s || !d) throw new RangeError(`not IPv4 addresses: ${src} -> ${dst}`);
  const icmp = Buffer.alloc(8 + data.length);
  icmp.writeUInt8(8, 0);
  icmp.writeUInt16BE(id & 0xffff, 4);
  icmp.writeUInt16BE(seq & 0xffff, 6);
  data.copy(icmp, 8);
  icmp.writeUInt16BE(inetChecksum(icmp), 2);
  const ip = Buffer.alloc(20);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(20 + icmp.length, 2);
  ip.writeUInt16BE(id & 0xffff, 4);
  ip.writeUInt8(ttl, 8);
  ip.writeUInt8(1, 9);
  s.copy(ip, 12);
  d.copy(ip, 16);
  ip.writeUInt16BE(inetChecksum(ip), 10);
  return Buffer.concat([ip, icmp]);
}

export function parseIcmpEcho(p: Buffer): Decoded<IcmpEcho> {
  if (p.length < 20) return fail('ipv4', `datagram of ${p.length} bytes is shorter than an IPv4 header`);
  const vihl = p.readUInt8(0);
  if (vihl >> 4 !== 4) return fail('ipv4', `IP version ${vihl >> 4}`);
  const ihl = (vihl & 0x0f) * 4;
  const total = p.readUInt16BE(2);
  if (ihl < 20 || total < ihl || total > p.length)
    return fail('ipv4', `bad header/total length ${ihl}/${total}`, 2);
  if (inetChecksum(p.subarray(0, ihl)) !== 0) return fail('ipv4', 'header checksum mismatch', 10);
  if (p.readUInt8(9) !== 1) return fail('ipv4', `protocol ${p.readUInt8(9)} is not ICMP`, 9);
  const icmp = p.subarray(ihl, total);
  if (icmp.length < 8) return fail('icmp', 'truncated ICMP header', ihl);
  if (inetChecksum(icmp) !== 0) return fail('icmp', 'ICMP checksum mismatch', ihl + 2);
  const addr = (o: number) =>
    `${p.readUInt8(o)}.${p.readUInt8(o + 1)}.${p.readUInt8(o + 2)}.${p.readUInt8(o + 3)}`;
  return ok({
    src: addr(12),
    dst: addr(16),
    type: icmp.readUInt8(0),
    id: icmp.readUInt16BE(4),
    seq: icmp.readUInt16BE(6),
    data: Buffer.from(icmp.subarray(8)),
    ttl: p.readUInt8(8),
  });
}
