/**
 * Cryptographic primitives MS-CHAPv2 (RFC 2759) and MPPE (RFC 3078/3079) need: MD4, DES-ECB, SHA-1, RC4.
 *
 * CRYPTO DECISION (one for the whole project): pure-JS implementations, not Node's OpenSSL.
 * Node 20 ships OpenSSL 3, whose default provider refuses md4, des-ecb and rc4 ("digital envelope
 * routines::unsupported"). They come back only if the process starts with --openssl-legacy-provider
 * (flag or NODE_OPTIONS); bin/pptpmon.js cannot turn that on once running, a re-exec doubles start-up,
 * and every other way pptpmon code runs (node --test, tsx, an embedding program, the agent under systemd)
 * would need the same flag, so a forgotten flag would become a failed login probe in production.
 * Instead:
 *  - MD4: `js-md4` (17M weekly downloads, sync API, no deps), only for NtPasswordHash (16-byte input).
 *  - DES: `des.js` (Fedor Indutny; the DES of browserify's crypto, 48M weekly), ECB on one 8-byte block.
 *  - SHA-1: Node's own crypto (still in OpenSSL 3's default provider).
 *  - RC4: written here (./rc4.ts). RC4 *is* MPPE's cipher and the product, it is 20 lines, the npm
 *    packages for it are unmaintained or are RNGs, and MPPE rekeys per packet so it needs the raw
 *    key-schedule API that a stream wrapper hides. Tested with RFC 6229 vectors and against OpenSSL's
 *    legacy provider in a child process (test/pptp/crypto.test.ts).
 */
import { createHash } from 'node:crypto';
import md4 from 'js-md4';
import des from 'des.js';

export function md4Digest(data: Uint8Array): Buffer {
  return Buffer.from(md4.arrayBuffer(data));
}

export function sha1(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * DES-encrypts one 8-byte block with a 7-byte key (RFC 2759 §8.6 DesEncrypt): the 56 key bits are
 * spread over 8 bytes, 7 bits each, leaving the low (parity) bit of each byte 0; DES ignores parity.
 */
export function desEncrypt7(clear: Uint8Array, key7: Uint8Array): Buffer {
  if (clear.length !== 8 || key7.length !== 7)
    throw new RangeError('desEncrypt7: needs 8-byte block, 7-byte key');
  const k = Buffer.alloc(8);
  let bits = 0n;
  for (const b of key7) bits = (bits << 8n) | BigInt(b);
  for (let i = 0; i < 8; i++) {
    const seven = Number((bits >> BigInt(49 - 7 * i)) & 0x7fn);
    k.writeUInt8(seven << 1, i);
  }
  const cipher = des.DES.create({ type: 'encrypt', key: Array.from(k), padding: false });
  return Buffer.from(cipher.update(Array.from(clear)).concat(cipher.final()));
}
