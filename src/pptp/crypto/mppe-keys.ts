/**
 * MPPE key derivation from MS-CHAPv2 (RFC 3079 §3.3-3.5) and key changes (RFC 3078 §7.3).
 * Cross-checked with Linux drivers/net/ppp/ppp_mppe.c (mppe_rekey/get_new_key_from_sha), which is
 * what pppd on the server actually runs: the *initial* session key is GetNewKeyFromSHA(start, start)
 * without the RC4 self-encryption; every later key change does RC4(interim, interim).
 */
import { Rc4 } from './rc4.js';
import { sha1 } from './primitives.js';

export type MppeBits = 40 | 56 | 128;

const MASTER_MAGIC = Buffer.from('This is the MPPE Master Key', 'ascii');
const MAGIC2 = Buffer.from(
  'On the client side, this is the send key; on the server side, it is the receive key.',
  'ascii',
);
const MAGIC3 = Buffer.from(
  'On the client side, this is the receive key; on the server side, it is the send key.',
  'ascii',
);
const SHA_PAD1 = Buffer.alloc(40, 0x00);
const SHA_PAD2 = Buffer.alloc(40, 0xf2);

/** RFC 3079 §3.4 GetMasterKey: SHA1(PasswordHashHash | NTResponse | Magic1)[0..16]. */
export function getMasterKey(passwordHashHash: Uint8Array, ntResponse: Uint8Array): Buffer {
  return sha1(passwordHashHash, ntResponse, MASTER_MAGIC).subarray(0, 16);
}

/** RFC 3079 §3.4 GetAsymmetricStartKey. */
export function getAsymmetricStartKey(
  masterKey: Uint8Array,
  keyLength: number,
  isSend: boolean,
  isServer: boolean,
): Buffer {
  const magic = isSend === isServer ? MAGIC3 : MAGIC2;
  return sha1(masterKey, SHA_PAD1, magic, SHA_PAD2).subarray(0, keyLength);
}

/** RFC 3079 §3.3 GetNewKeyFromSHA. */
export function getNewKeyFromSha(startKey: Uint8Array, sessionKey: Uint8Array, keyLength: number): Buffer {
  return sha1(
    startKey.subarray(0, keyLength),
    SHA_PAD1,
    sessionKey.subarray(0, keyLength),
    SHA_PAD2,
  ).subarray(0, keyLength);
}

/** Key bytes used per strength: 40 and 56 bit keys are 8-byte keys with a fixed salt (RFC 3079 §3.1). */
export function keyLengthFor(bits: MppeBits): number {
  return bits === 128 ? 16 : 8;
}

/** RFC 3079 §3.1/§3.2: 40-bit keys start D1 26 9E, 56-bit keys start D1. */
export function reduceKey(key: Buffer, bits: MppeBits): Buffer {
  const k = Buffer.from(key);
  if (bits === 40) Buffer.from([0xd1, 0x26, 0x9e]).copy(k, 0);
  if (bits === 56) k.writeUInt8(0xd1, 0);
  return k;
}

/** The first session key after CCP opens (initial = true) or a key change (RFC 3078 §7.3). */
export function nextSessionKey(
  startKey: Buffer,
  currentKey: Buffer,
  bits: MppeBits,
  initial: boolean,
): Buffer {
  const len = keyLengthFor(bits);
  const interim = getNewKeyFromSha(startKey, currentKey, len);
  const key = initial ? interim : new Rc4(interim).process(interim);
  return reduceKey(key, bits);
}

/** Client-side start keys for one MS-CHAPv2 login. */
export function clientStartKeys(
  passwordHashHash: Uint8Array,
  ntResponse: Uint8Array,
  bits: MppeBits,
): { send: Buffer; recv: Buffer } {
  const master = getMasterKey(passwordHashHash, ntResponse);
  const len = keyLengthFor(bits);
  return {
    send: getAsymmetricStartKey(master, len, true, false),
    recv: getAsymmetricStartKey(master, len, false, false),
  };
}
