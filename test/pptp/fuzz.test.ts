// Seeded fuzzing: every decoder and the PPP client's input path get random and mutated real packets;
// none may throw (hostile servers must become reported errors). Seeded so a failure reproduces; set
// PPTPMON_FUZZ_SEED to explore other seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGre, encodeGre } from '../../src/pptp/gre.js';
import { GreLink } from '../../src/pptp/gre-link.js';
import { decodePpp, encodePpp, PPP } from '../../src/pptp/ppp.js';
import { decodeCp, decodeOptions, encodeCp } from '../../src/pptp/cp.js';
import { decodeChallenge, parseFailure, parseSuccess } from '../../src/pptp/chap.js';
import { decodeMppeBits } from '../../src/pptp/ccp.js';
import { parseIcmpEcho, buildIcmpEcho } from '../../src/pptp/ipv4.js';
import { MppeDecryptor } from '../../src/pptp/mppe.js';
import { PppClient } from '../../src/pptp/ppp-client.js';
import { mulberry32 } from '../helpers/rng.js';

const SEED = Number(process.env.PPTPMON_FUZZ_SEED ?? 20261124);
const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const SAMPLES = [
  encodeGre({
    callId: 0,
    seq: 1,
    ack: 0,
    payload: encodePpp(
      PPP.LCP,
      encodeCp({ code: 1, id: 1, data: h('02060000000003 05c22381 0506 68843fb7 0702 0802') }),
    ),
  }),
  encodePpp(
    PPP.CHAP,
    encodeCp({ code: 1, id: 6, data: h('10 03397cefeacba39ee29e45fa370f4869 707074706400') }),
  ),
  encodePpp(PPP.CCP, encodeCp({ code: 1, id: 1, data: h('1206 01000040') })),
  encodePpp(PPP.IPCP, encodeCp({ code: 3, id: 2, data: h('0306 c0a8d50a') })),
  encodePpp(PPP.MPPE, h('9000 aabbccddeeff0011')),
  buildIcmpEcho('10.0.0.1', '10.0.0.2', 1, 1, Buffer.from('data')),
];

function mutate(r: () => number, b: Buffer): Buffer {
  const out = Buffer.from(b);
  const kind = Math.floor(r() * 4);
  if (kind === 0 && out.length > 0) return out.subarray(0, Math.floor(r() * out.length));
  if (kind === 1)
    return Buffer.concat([
      out,
      Buffer.from(Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256))),
    ]);
  const flips = 1 + Math.floor(r() * 6);
  for (let i = 0; i < flips && out.length > 0; i++)
    out.writeUInt8(Math.floor(r() * 256), Math.floor(r() * out.length));
  return out;
}

test(`decoders never throw on random or mutated input (seed ${SEED})`, () => {
  const r = mulberry32(SEED);
  const dec = new MppeDecryptor(Buffer.alloc(16, 1), { bits: 128, stateless: true });
  const sdec = new MppeDecryptor(Buffer.alloc(8, 1), { bits: 40, stateless: false });
  const link = new GreLink(1, 0);
  let failures = 0;
  for (let i = 0; i < 8000; i++) {
    const base = SAMPLES[i % SAMPLES.length] as Buffer;
    const input =
      i % 5 === 0
        ? Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)))
        : mutate(r, base);
    for (const d of [
      decodeGre(input),
      link.unwrap(input),
      decodePpp(input),
      decodeCp('lcp', input),
      decodeOptions('lcp', input),
      decodeChallenge(1, input),
      parseIcmpEcho(input),
      dec.decrypt(input),
      sdec.decrypt(input),
    ]) {
      if (!d.ok) {
        failures++;
        assert.equal(typeof d.error.message, 'string');
        assert.ok(d.error.offset >= 0 && d.error.offset <= input.length + 8);
      }
    }
    decodeMppeBits(input);
    parseFailure(input.toString('latin1'));
    parseSuccess(input.toString('latin1'));
  }
  assert.ok(failures > 0, 'the fuzzer produced no invalid input: it is not fuzzing');
});

test(`the PPP client survives a hostile peer (seed ${SEED})`, () => {
  const r = mulberry32(SEED + 1);
  let now = 0;
  const client = new PppClient(
    {
      user: 'u',
      password: 'p',
      mppe: { bits: [128, 56, 40], allowStateful: true },
      restartMs: 100,
      maxConfigure: 1000,
      authTimeoutMs: 1e9,
      now: () => now,
      random: (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256))),
    },
    () => {},
    () => {},
  );
  client.start();
  for (let i = 0; i < 20000; i++) {
    const base = SAMPLES[i % SAMPLES.length] as Buffer;
    const g = decodeGre(base);
    const frame = g.ok ? g.value.payload : base;
    client.input(mutate(r, frame));
    now += 7;
    client.tick();
  }
  assert.ok(['lcp', 'auth', 'network', 'open', 'terminating', 'dead'].includes(client.phase));
});
