/**
 * printableAscii (formats/plain.ts): the reader's check that a plain line is printable ASCII, four
 * bytes at a time over an Int32Array. Checked against the byte rule for every byte value at every
 * position and alignment, with and without the words (unaligned chunks check byte by byte).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printableAscii, wordsOf } from '../../../src/logs/formats/plain.js';

const printable = (c: number): boolean => c >= 32 && c <= 127;

function naive(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!printable(b[i] as number)) return false;
  return true;
}

test('printableAscii = the byte rule: every byte value at every position, aligned or not', () => {
  const len = 23;
  for (let shift = 0; shift < 4; shift++) {
    // A view starting `shift` bytes into its ArrayBuffer: shift 0 gets words, the others do not.
    const whole = Buffer.alloc(len + 8, 0x41);
    const b = whole.subarray(shift, shift + len);
    const words = wordsOf(b);
    assert.equal(words !== undefined, shift === 0);
    for (let pos = 0; pos < len; pos++) {
      for (let v = 0; v < 256; v++) {
        b.fill(0x41);
        b[pos] = v;
        for (const [s, e] of [
          [0, len],
          [1, len - 1],
          [pos, pos + 1],
          [Math.max(0, pos - 5), Math.min(len, pos + 6)],
          [pos + 1, len],
          [0, pos],
        ] as const) {
          if (s > e) continue;
          const want = naive(b, s, e);
          assert.equal(
            printableAscii(b, words, s, e),
            want,
            `byte ${v} at ${pos}, [${s}, ${e}), shift ${shift}`,
          );
          assert.equal(printableAscii(b, undefined, s, e), want);
        }
      }
    }
  }
});

test('printableAscii: tab, ESC, NUL, DEL and high bytes in a syslog line', () => {
  const line = 'Nov 20 10:00:00 vpn1 pppd[123]: remote IP address 10.0.0.2';
  const check = (s: string, enc: BufferEncoding = 'latin1'): boolean => {
    const b = Buffer.alloc(s.length * 3 + 8);
    const n = b.write(s, 0, enc);
    return printableAscii(b, wordsOf(b), 0, n);
  };
  assert.equal(check(line), true);
  assert.equal(check(`${line}\x7f`), true);
  assert.equal(check(`${line}\t`), false);
  assert.equal(check(`${line}\x1b[0m`), false);
  assert.equal(check(`${line}\x00`), false);
  assert.equal(check(`${line} caf\u00e9`, 'utf8'), false);
  assert.equal(check(`${line} caf\u00e9`, 'latin1'), false);
});
