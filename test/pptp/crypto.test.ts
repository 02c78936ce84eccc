// RFC 2759 §9.2 and RFC 3079 §3.5 test vectors, RFC 6229 RC4 vectors, and a cross-check of the pure-JS
// primitives against OpenSSL's legacy provider (a real, independent implementation) in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  challengeHash,
  challengeResponse,
  checkAuthenticatorResponse,
  generateAuthenticatorResponse,
  generateNtResponse,
  hashNtPasswordHash,
  ntPasswordHash,
} from '../../src/pptp/crypto/mschapv2.js';
import {
  clientStartKeys,
  getAsymmetricStartKey,
  getMasterKey,
  nextSessionKey,
} from '../../src/pptp/crypto/mppe-keys.js';
import { Rc4 } from '../../src/pptp/crypto/rc4.js';
import { desEncrypt7, md4Digest } from '../../src/pptp/crypto/primitives.js';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const AUTH_CHALLENGE = h('5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28');
const PEER_CHALLENGE = h('21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E');
const NT_RESPONSE = h('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF');

test('RFC 2759 §9.2: MS-CHAPv2 vectors', () => {
  assert.deepEqual(challengeHash(PEER_CHALLENGE, AUTH_CHALLENGE, 'User'), h('D0 2E 43 86 BC E9 12 26'));
  assert.deepEqual(ntPasswordHash('clientPass'), h('44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE'));
  assert.deepEqual(
    hashNtPasswordHash(ntPasswordHash('clientPass')),
    h('41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F'),
  );
  assert.deepEqual(
    challengeResponse(h('D0 2E 43 86 BC E9 12 26'), ntPasswordHash('clientPass')),
    NT_RESPONSE,
  );
  assert.deepEqual(generateNtResponse(AUTH_CHALLENGE, PEER_CHALLENGE, 'User', 'clientPass'), NT_RESPONSE);
  const s = generateAuthenticatorResponse('clientPass', NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE, 'User');
  assert.equal(s, 'S=407A5589115FD0D6209F510FE9C04566932CDA56');
});

test('MS-CHAPv2: domain is stripped for the challenge hash, and a wrong S= is refused', () => {
  assert.deepEqual(
    challengeHash(PEER_CHALLENGE, AUTH_CHALLENGE, 'CORP\\User'),
    challengeHash(PEER_CHALLENGE, AUTH_CHALLENGE, 'User'),
  );
  const good = 'S=407A5589115FD0D6209F510FE9C04566932CDA56';
  assert.equal(checkAuthenticatorResponse(good, good.toLowerCase().replace('s=', 'S=')), true);
  assert.equal(checkAuthenticatorResponse(good, 'S=407A5589115FD0D6209F510FE9C04566932CDA57'), false);
  assert.equal(checkAuthenticatorResponse(good, 'S=407A'), false);
  const other = generateAuthenticatorResponse(
    'wrongPass',
    NT_RESPONSE,
    PEER_CHALLENGE,
    AUTH_CHALLENGE,
    'User',
  );
  assert.notEqual(other, good);
});

test('RFC 3079 §3.5: master key, start keys and initial session keys for 40/56/128 bits', () => {
  const hashHash = h('41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F');
  const master = getMasterKey(hashHash, NT_RESPONSE);
  assert.deepEqual(master, h('FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31'));
  // The RFC prints the server's send key (IsSend, IsServer => Magic3), i.e. the client's receive key.
  const start128 = getAsymmetricStartKey(master, 16, true, true);
  assert.deepEqual(start128, h('8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB'));
  assert.deepEqual(clientStartKeys(hashHash, NT_RESPONSE, 128).recv, start128);
  assert.notDeepEqual(clientStartKeys(hashHash, NT_RESPONSE, 128).send, start128);
  assert.deepEqual(
    nextSessionKey(start128, start128, 128, true),
    h('40 5C B2 24 7A 79 56 E6 E2 11 00 7A E2 7B 22 D4'),
  );
  const start64 = getAsymmetricStartKey(master, 8, true, true);
  assert.deepEqual(start64, h('8B 7C DC 14 9B 99 3A 1B'));
  assert.deepEqual(nextSessionKey(start64, start64, 40, true), h('D1 26 9E C4 9F A6 2E 3E'));
  assert.deepEqual(nextSessionKey(start64, start64, 56, true), h('D1 5C 00 C4 9F A6 2E 3E'));
});

test('RC4: RFC 6229 keystream and the classic Key/Plaintext vector', () => {
  const ks = new Rc4(h('0102030405')).process(Buffer.alloc(16));
  assert.deepEqual(ks, h('b2 39 63 05 f0 3d c0 27 cc c3 52 4a 0a 11 18 a8'));
  assert.deepEqual(new Rc4(Buffer.from('Key')).process(Buffer.from('Plaintext')), h('BBF316E8D940AF0AD3'));
  // Keystream continues across calls (stateful MPPE relies on it).
  const r = new Rc4(h('0102030405'));
  assert.deepEqual(Buffer.concat([r.process(Buffer.alloc(5)), r.process(Buffer.alloc(11))]), ks);
  assert.throws(() => new Rc4(Buffer.alloc(0)), RangeError);
});

test('pure-JS MD4, DES and RC4 agree with OpenSSL (legacy provider, child process)', () => {
  const key7 = h('0123456789abcd');
  const block = h('d02e4386bce91226');
  const rc4Key = h('00112233445566778899aabbccddeeff');
  const data = Buffer.from('the quick brown fox jumps over the lazy dog, twice over');
  const script = `
    const c = require('crypto');
    const [k7, blk, rk, d] = process.argv.slice(1).map((x) => Buffer.from(x, 'hex'));
    const k8 = Buffer.alloc(8); let bits = 0n; for (const b of k7) bits = (bits << 8n) | BigInt(b);
    for (let i = 0; i < 8; i++) k8[i] = Number((bits >> BigInt(49 - 7 * i)) & 0x7fn) << 1;
    const des = c.createCipheriv('des-ecb', k8, null); des.setAutoPadding(false);
    const rc4 = c.createCipheriv('rc4', rk, null);
    console.log(JSON.stringify([c.createHash('md4').update(d).digest('hex'),
      Buffer.concat([des.update(blk), des.final()]).toString('hex'), rc4.update(d).toString('hex')]));`;
  const out = execFileSync(
    process.execPath,
    [
      '--openssl-legacy-provider',
      '-e',
      script,
      key7.toString('hex'),
      block.toString('hex'),
      rc4Key.toString('hex'),
      data.toString('hex'),
    ],
    { encoding: 'utf8' },
  );
  const [md4, desOut, rc4Out] = JSON.parse(out) as [string, string, string];
  assert.equal(md4Digest(data).toString('hex'), md4);
  assert.equal(desEncrypt7(block, key7).toString('hex'), desOut);
  assert.equal(new Rc4(rc4Key).process(data).toString('hex'), rc4Out);
});
