/**
 * RADIUS packet codec for the radius probe (RFC 2865 sections 3 and 5, RFC 2869 5.14 Message-Authenticator,
 * RFC 5997 Status-Server, RFC 2548 Microsoft vendor attributes for MS-CHAPv2).
 *
 * Written by hand rather than with the npm `radius` package: that package's last release is from 2018,
 * it ships a dictionary loader we do not need, and a probe needs only a dozen attributes plus strict
 * checking of the Response Authenticator and Message-Authenticator, which are a few lines with
 * node:crypto (MD5 and HMAC-MD5 are allowed by OpenSSL 3's default provider).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const RADIUS_CODE = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccessChallenge: 11,
  StatusServer: 12,
} as const;

export const RADIUS_CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'Access-Request',
  2: 'Access-Accept',
  3: 'Access-Reject',
  4: 'Accounting-Request',
  5: 'Accounting-Response',
  11: 'Access-Challenge',
  12: 'Status-Server',
};

/** RFC 2865 section 5 attribute types used here. */
export const ATTR = {
  UserName: 1,
  UserPassword: 2,
  ServiceType: 6,
  FramedProtocol: 7,
  ReplyMessage: 18,
  VendorSpecific: 26,
  NasIdentifier: 32,
  NasPortType: 61,
  MessageAuthenticator: 80,
} as const;

/** RFC 2548: Microsoft's vendor id and the MS-CHAP attributes. */
export const MS_VENDOR_ID = 311;
export const MS_ATTR = { ChapError: 2, ChapChallenge: 11, Chap2Response: 25, Chap2Success: 26 } as const;

export interface RadiusAttribute {
  type: number;
  value: Buffer;
}

export interface RadiusPacket {
  code: number;
  identifier: number;
  authenticator: Buffer;
  attributes: RadiusAttribute[];
}

/** RFC 2865 section 3: 20 <= Length <= 4096. */
const MIN_LENGTH = 20;
const MAX_LENGTH = 4096;

export function attr(type: number, value: Buffer | string): RadiusAttribute {
  return { type, value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value };
}

export function u32Attr(type: number, n: number): RadiusAttribute {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return { type, value: b };
}

/** RFC 2865 5.26 Vendor-Specific with one sub-attribute (RFC 2548 layout: type, length, value). */
export function vsa(vendorId: number, type: number, value: Buffer): RadiusAttribute {
  const b = Buffer.alloc(6 + value.length);
  b.writeUInt32BE(vendorId, 0);
  b[4] = type;
  b[5] = 2 + value.length;
  value.copy(b, 6);
  return { type: ATTR.VendorSpecific, value: b };
}

export function encodePacket(p: RadiusPacket): Buffer {
  const parts: Buffer[] = [];
  for (const a of p.attributes) {
    if (a.value.length > 253) throw new RangeError(`RADIUS attribute ${a.type} value longer than 253 octets`);
    parts.push(Buffer.from([a.type, a.value.length + 2]), a.value);
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(4);
  head[0] = p.code;
  head[1] = p.identifier;
  head.writeUInt16BE(20 + body.length, 2);
  return Buffer.concat([head, p.authenticator, body]);
}

/** RFC 2865 5.2: User-Password hiding with MD5(secret + RA), chained over 16-octet blocks. */
export function hidePassword(password: string, secret: string, requestAuth: Buffer): Buffer {
  const clear = Buffer.from(password, 'utf8');
  const padded = Buffer.alloc(Math.max(16, Math.ceil(clear.length / 16) * 16));
  clear.copy(padded);
  const out = Buffer.alloc(padded.length);
  let prev = requestAuth;
  for (let i = 0; i < padded.length; i += 16) {
    const md = createHash('md5').update(secret, 'utf8').update(prev).digest();
    for (let j = 0; j < 16; j++) out[i + j] = (padded[i + j] ?? 0) ^ (md[j] ?? 0);
    prev = out.subarray(i, i + 16);
  }
  return out;
}

/**
 * Builds a request whose last attribute is a Message-Authenticator (RFC 2869 5.14: HMAC-MD5 over the
 * packet with the field zeroed). RFC 5997 requires it on Status-Server, and FreeRADIUS 3.2 (BlastRADIUS
 * hardening) requires or prefers it on Access-Request too.
 */
export function buildRequest(
  code: number,
  identifier: number,
  requestAuth: Buffer,
  secret: string,
  attributes: RadiusAttribute[],
): Buffer {
  const withMa = [...attributes, { type: ATTR.MessageAuthenticator, value: Buffer.alloc(16) }];
  const packet = encodePacket({ code, identifier, authenticator: requestAuth, attributes: withMa });
  const mac = createHmac('md5', secret).update(packet).digest();
  mac.copy(packet, packet.length - 16);
  return packet;
}

export type RadiusDecode = { ok: true; packet: RadiusPacket; raw: Buffer } | { ok: false; error: string };

/** Decodes a datagram; checks every length before use and never throws. */
export function decodePacket(buf: Buffer): RadiusDecode {
  if (buf.length < MIN_LENGTH)
    return { ok: false, error: `packet of ${buf.length} octets is shorter than 20` };
  const length = buf.readUInt16BE(2);
  if (length < MIN_LENGTH || length > MAX_LENGTH)
    return { ok: false, error: `Length field ${length} outside 20..4096` };
  // RFC 2865 3: a datagram shorter than Length is discarded; octets beyond Length are padding.
  if (buf.length < length)
    return { ok: false, error: `Length field ${length} but only ${buf.length} octets received` };
  const raw = buf.subarray(0, length);
  const attributes: RadiusAttribute[] = [];
  let off = 20;
  while (off < length) {
    if (off + 2 > length) return { ok: false, error: `attribute header cut at offset ${off}` };
    const type = raw[off] ?? 0;
    const alen = raw[off + 1] ?? 0;
    if (alen < 2 || off + alen > length)
      return { ok: false, error: `attribute ${type} at offset ${off} has bad length ${alen}` };
    attributes.push({ type, value: Buffer.from(raw.subarray(off + 2, off + alen)) });
    off += alen;
  }
  return {
    ok: true,
    raw,
    packet: {
      code: raw[0] ?? 0,
      identifier: raw[1] ?? 0,
      authenticator: Buffer.from(raw.subarray(4, 20)),
      attributes,
    },
  };
}

/**
 * RFC 2865 3 Response Authenticator = MD5(Code+ID+Length+RequestAuth+Attributes+Secret), and when present
 * the reply's Message-Authenticator (computed with the Request Authenticator in place). A mismatch
 * means a wrong shared secret or a forged reply.
 */
export function verifyResponse(
  raw: Buffer,
  requestAuth: Buffer,
  secret: string,
): 'ok' | 'bad_authenticator' | 'bad_message_authenticator' {
  const copy = Buffer.from(raw);
  requestAuth.copy(copy, 4);
  const expected = createHash('md5').update(copy).update(secret, 'utf8').digest();
  if (!timingSafeEqual(expected, raw.subarray(4, 20))) return 'bad_authenticator';
  // Find Message-Authenticator, zero it in the copy, recompute.
  let off = 20;
  while (off + 2 <= copy.length) {
    const type = copy[off] ?? 0;
    const alen = copy[off + 1] ?? 0;
    if (alen < 2) break;
    if (type === ATTR.MessageAuthenticator && alen === 18) {
      const got = Buffer.from(copy.subarray(off + 2, off + 18));
      copy.fill(0, off + 2, off + 18);
      const mac = createHmac('md5', secret).update(copy).digest();
      return timingSafeEqual(mac, got) ? 'ok' : 'bad_message_authenticator';
    }
    off += alen;
  }
  return 'ok';
}

export function findAttr(p: RadiusPacket, type: number): Buffer | undefined {
  return p.attributes.find((a) => a.type === type)?.value;
}

/** The value of a vendor sub-attribute (first match), or undefined. Tolerates malformed VSAs. */
export function findVsa(p: RadiusPacket, vendorId: number, type: number): Buffer | undefined {
  for (const a of p.attributes) {
    if (a.type !== ATTR.VendorSpecific || a.value.length < 6) continue;
    if (a.value.readUInt32BE(0) !== vendorId) continue;
    let off = 4;
    while (off + 2 <= a.value.length) {
      const t = a.value[off] ?? 0;
      const len = a.value[off + 1] ?? 0;
      if (len < 2 || off + len > a.value.length) break;
      if (t === type) return a.value.subarray(off + 2, off + len);
      off += len;
    }
  }
  return undefined;
}
