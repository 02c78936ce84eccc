// Fuzzing the RFC 2637 decoder and framer: seeded random buffers and mutations of valid messages.
// Properties: never throws, never hangs (each input is O(length)), framer never buffers more than one
// maximal message, and whatever decodes re-encodes to the same bytes apart from reserved fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ControlFramer,
  MAX_CTRL_LENGTH,
  buildCdn,
  buildEchoRequest,
  buildOcrq,
  buildSccrq,
  buildSli,
  decodeControl,
  encodeControl,
} from '../../src/pptp/control.js';
import { mulberry32 } from '../helpers/rng.js';

const SEEDS = [1, 2637, 0x1a2b3c4d];
const seeds = [
  encodeControl(buildSccrq()),
  encodeControl(buildEchoRequest(7)),
  encodeControl(buildOcrq({ callId: 3 })),
  encodeControl(buildSli(1)),
  encodeControl(buildCdn(3)),
];

function mutate(r: () => number, src: Buffer): Buffer {
  const b = Buffer.from(src);
  const kind = Math.floor(r() * 5);
  if (kind === 0) {
    // Flip a few bytes, biased to the header where the checks live.
    for (let i = 0; i < 1 + r() * 4; i++)
      b[Math.floor(r() * Math.min(b.length, r() < 0.7 ? 12 : b.length))] = Math.floor(r() * 256);
    return b;
  }
  if (kind === 1) return b.subarray(0, Math.floor(r() * b.length));
  if (kind === 2)
    return Buffer.concat([
      b,
      Buffer.from(Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256))),
    ]);
  if (kind === 3) {
    b.writeUInt16BE(Math.floor(r() * 65536), 0);
    return b;
  }
  return Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256)));
}

test('decodeControl never throws on random and mutated input; valid decodes re-encode losslessly', () => {
  const t0 = Date.now();
  let decoded = 0;
  let rejected = 0;
  for (const seed of SEEDS) {
    const r = mulberry32(seed);
    for (let i = 0; i < 8000; i++) {
      const src = seeds[Math.floor(r() * seeds.length)] ?? seeds[0]!;
      const input = mutate(r, src);
      let res: ReturnType<typeof decodeControl>;
      assert.doesNotThrow(
        () => {
          res = decodeControl(input);
        },
        `seed ${seed} case ${i}: ${input.toString('hex')}`,
      );
      res = decodeControl(input);
      if (res.ok) {
        decoded++;
        const again = encodeControl(res.message);
        assert.equal(again.length, input.length);
        // Equal up to reserved bytes and bytes after a string's first NUL, which decoding drops.
        const back = decodeControl(again);
        assert.ok(back.ok);
        if (back.ok) assert.deepEqual(back.message, res.message);
      } else {
        rejected++;
        assert.ok(res.error.message.length > 0);
      }
    }
  }
  assert.ok(decoded > 100, `some mutations stay valid (${decoded})`);
  assert.ok(rejected > 1000, `most are rejected (${rejected})`);
  assert.ok(Date.now() - t0 < 20_000, 'fuzzing 24k inputs stays fast (no pathological inputs)');
});

test('framer never throws, never buffers more than one maximal message, under random chunking', () => {
  for (const seed of SEEDS) {
    const r = mulberry32(seed ^ 0x5555);
    for (let run = 0; run < 300; run++) {
      const parts: Buffer[] = [];
      for (let k = 0; k < 1 + r() * 6; k++) {
        const src = seeds[Math.floor(r() * seeds.length)] ?? seeds[0]!;
        parts.push(r() < 0.8 ? src : mutate(r, src));
      }
      const stream = Buffer.concat(parts);
      const f = new ControlFramer();
      let off = 0;
      let items = 0;
      while (off < stream.length) {
        const n = 1 + Math.floor(r() * 64);
        const out = f.push(stream.subarray(off, off + n));
        items += out.length;
        off += n;
        assert.ok(f.buffered < MAX_CTRL_LENGTH + 64, `buffered ${f.buffered}`);
      }
      assert.ok(items <= parts.length + 1);
    }
  }
});
