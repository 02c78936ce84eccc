/**
 * tagVerdictFast (the reader's per-line program filter for runs of skipped lines) gives exactly
 * tagVerdictAt's verdict: on the tails of real syslog lines, on tails built around its shortcuts
 * (hostless tags, third tokens, sysklogd's `last message repeated`, tags with and without p/r in any
 * case, empty and cut tokens), and on seeded random tails over a small alphabet that hits every branch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  tagVerdictAt,
  tagVerdictFast,
  TAG_OTHER,
  TAG_RELEVANT,
  TAG_REPEAT,
} from '../../../src/logs/formats/index.js';

const SAMPLE = new URL('../../../samples/syslog', import.meta.url).pathname;

function check(tail: string, seen: Set<number>): void {
  const b = Buffer.from(tail, 'latin1');
  // Judged from each start as the reader does (t, end) and inside a larger buffer.
  const want = tagVerdictAt(b, 0, b.length);
  assert.equal(tagVerdictFast(b, 0, b.length), want, JSON.stringify(tail));
  const wide = Buffer.concat([Buffer.from('Nov 20 10:00:00 '), b, Buffer.from('\nnext')]);
  assert.equal(tagVerdictFast(wide, 16, 16 + b.length), want, JSON.stringify(tail));
  seen.add(want);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

test('tagVerdictFast = tagVerdictAt: real lines, built edges, random tails', () => {
  const seen = new Set<number>();
  for (const line of readFileSync(SAMPLE, 'latin1').split('\n'))
    if (line.length > 16) check(line.slice(16), seen);
  const hosts = ['vpn1', 'last', 'l', 'PPP', '', 'a:b', 'h[1]', '2026', 'host.example.org'];
  const tags = [
    'pppd[1]:',
    'pptpd:',
    'sshd[22]:',
    'CRON[5]:',
    'Pppd[1]:',
    'xRADIUSd[2]:',
    'kernel:',
    'rp[3]:',
    'pp[3]:',
    'last message repeated 3 times',
    'message',
    'radiu[1]:',
    'pPtP:',
    '',
  ];
  for (const h of hosts)
    for (const t of tags) {
      check(`${h} ${t} msg`, seen);
      check(`${h} ${t}`, seen);
      check(`${h}  ${t} x`, seen);
      check(`${h} third ${t} x`, seen);
      check(`${h}${t}`, seen);
    }
  const alphabet = [
    'p',
    'P',
    'r',
    'R',
    'a',
    'd',
    'i',
    'u',
    's',
    't',
    'l',
    ' ',
    '[',
    ':',
    ']',
    'x',
    'last message repeated ',
  ];
  const r = rng(4242);
  for (let n = 0; n < 20_000; n++) {
    let s = '';
    const len = 1 + Math.floor(r() * 14);
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(r() * alphabet.length)] as string;
    check(s, seen);
  }
  assert.deepEqual([...seen].sort(), [TAG_OTHER, TAG_RELEVANT, TAG_REPEAT].sort());
});
