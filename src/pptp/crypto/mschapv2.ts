/**
 * MS-CHAPv2 client computations (RFC 2759 §8), named as in the RFC so the §9.2 test vectors map 1:1.
 * The client must also verify the server: GenerateAuthenticatorResponse (§8.7) proves the server knows
 * the password hash too, so a probe that skips it would accept any rogue "Success".
 */
import { timingSafeEqual } from 'node:crypto';
import { desEncrypt7, md4Digest, sha1 } from './primitives.js';

/** §8.2: SHA1(PeerChallenge | AuthenticatorChallenge | UserName)[0..8]. UserName without a domain. */
export function challengeHash(
  peerChallenge: Uint8Array,
  authChallenge: Uint8Array,
  userName: string,
): Buffer {
  return sha1(peerChallenge, authChallenge, Buffer.from(stripDomain(userName), 'utf8')).subarray(0, 8);
}

/** §8.3: MD4 of the password in UTF-16LE ("Unicode" in the RFC). */
export function ntPasswordHash(password: string): Buffer {
  return md4Digest(Buffer.from(password, 'utf16le'));
}

/** §8.4 */
export function hashNtPasswordHash(passwordHash: Uint8Array): Buffer {
  return md4Digest(passwordHash);
}

/** §8.5: three DES encryptions of the 8-byte challenge with the zero-padded 21-byte hash as keys. */
export function challengeResponse(challenge: Uint8Array, passwordHash: Uint8Array): Buffer {
  const z = Buffer.alloc(21);
  Buffer.from(passwordHash).copy(z);
  return Buffer.concat([
    desEncrypt7(challenge, z.subarray(0, 7)),
    desEncrypt7(challenge, z.subarray(7, 14)),
    desEncrypt7(challenge, z.subarray(14, 21)),
  ]);
}

/** §8.1 GenerateNTResponse. */
export function generateNtResponse(
  authChallenge: Uint8Array,
  peerChallenge: Uint8Array,
  userName: string,
  password: string,
): Buffer {
  return challengeResponse(challengeHash(peerChallenge, authChallenge, userName), ntPasswordHash(password));
}

const MAGIC1 = Buffer.from('Magic server to client signing constant', 'ascii');
const MAGIC2 = Buffer.from('Pad to make it do more than one iteration', 'ascii');

/** §8.7: the "S=<40 hex>" string the server must send in its Success packet. */
export function generateAuthenticatorResponse(
  password: string,
  ntResponse: Uint8Array,
  peerChallenge: Uint8Array,
  authChallenge: Uint8Array,
  userName: string,
): string {
  const hashHash = hashNtPasswordHash(ntPasswordHash(password));
  const digest = sha1(hashHash, ntResponse, MAGIC1);
  const challenge = challengeHash(peerChallenge, authChallenge, userName);
  return 'S=' + sha1(digest, challenge, MAGIC2).toString('hex').toUpperCase();
}

/** §8.8: constant-time compare of the server's S= value with the expected one. */
export function checkAuthenticatorResponse(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toUpperCase(), 'ascii');
  const b = Buffer.from(received.toUpperCase(), 'ascii');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 2759 §4: a "DOMAIN\user" name is hashed without its domain part. */
function stripDomain(userName: string): string {
  const i = userName.lastIndexOf('\\');
  return i >= 0 ? userName.slice(i + 1) : userName;
}
