/**
 * The known-noise contract (src/logs/classify/noise.ts): every message a NOISE rule takes is KNOWN to
 * the real classifier of its program, whatever follows the prefix. Checked with the prefix alone,
 * with the suffixes real logs carry, and with seeded random and hostile suffixes (text that other
 * patterns of the same classifier look for: CHAP failures, MPPE, GRE errors, Exiting).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOISE } from '../../../src/logs/classify/noise.js';
import { classifyRecord, KNOWN } from '../../../src/logs/classify/index.js';
import type { LogRecord } from '../../../src/logs/record.js';

function rec(program: string, message: string): LogRecord {
  return {
    tsSource: 'line',
    message,
    raw: `Nov 20 00:00:00 vpn1 ${program}[123]: ${message}`,
    file: 'noise.log',
    line: 1,
    format: 'rfc3164',
    host: 'vpn1',
    program,
    pid: 123,
  };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const HOSTILE = [
  '',
  ' ',
  '#123',
  ' 17 bytes to the client.',
  ' id=0x1 <asyncmap 0x0> <auth chap MS-v2> <magic 0x1>]',
  ' [CHAP Failure id=0x1 "E=691 R=1"]',
  ' [CHAP Response id=0x6 <00>, name = "bob"]',
  ' [PAP AuthReq id=0x1 user="bob" password=<hidden>]',
  ' MPPE required but peer refused',
  ' GRE: read(fd=6,buffer=0,len=8196) from PTY failed: status = -1 error = Input/output error',
  ' CTRL: Exiting on signal 15',
  ' Message too long',
  ' Closing connection (shutdown)',
  " Outgoing call established (call ID 1, peer's call ID 2).",
  ' \u00e9\u00e8 \ufffd',
  ']: [',
];

function messages(rule: (typeof NOISE)[number], prefix: string): string[] {
  const lead = rule.anonBody === true ? 'anon log[ctrlp_rep:pptp_ctrl.c:256]: ' : '';
  const out = HOSTILE.map((s) => lead + prefix + s);
  if (rule.anonBody === true) {
    // util.c's other levels, and brackets inside the function field.
    out.push(`anon warn[decaps_hdlc:pptp_gre.c:254]: ${prefix}`);
    out.push(`anon fatal[x:y.c:1]: ${prefix} Closing connection`);
  }
  const r = rng(prefix.length * 7919 + rule.program.length);
  for (let k = 0; k < 200; k++) {
    let s = '';
    const n = Math.floor(r() * 40);
    for (let i = 0; i < n; i++) s += String.fromCharCode(32 + Math.floor(r() * 95));
    out.push(lead + prefix + s);
  }
  return out;
}

test('every NOISE prefix is KNOWN to its classifier whatever follows it', () => {
  let checked = 0;
  for (const rule of NOISE) {
    assert.ok(rule.prefixes.length > 0, rule.program);
    for (const prefix of rule.prefixes) {
      for (const m of messages(rule, prefix)) {
        const { match } = classifyRecord(rec(rule.program, m));
        assert.equal(match, KNOWN, `${rule.program}: ${JSON.stringify(m)}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 5000, `${checked} messages`);
});

test('the contract can fail: lines the classifiers give meaning to are not under any NOISE prefix', () => {
  // Messages with events or hints that sit next to noise prefixes: a rule that took them would lose
  // events (this is what the test above would catch for a wrong prefix).
  const meaningful: [string, string][] = [
    ['pptpd', 'CTRL: Client 10.0.0.1 control connection started'],
    ['pptpd', 'CTRL: Reaping child PPP[123]'],
    ['pptpd', 'CTRL: remote address = 192.168.0.10'],
    ['pptpd', 'GRE: read(fd=6,buffer=0,len=8196) from PTY failed: status = -1 error = Input/output error'],
    ['pptpd', 'MGR: Manager process started'],
    ['pppd', 'sent [LCP ConfReq id=0x1 <asyncmap 0x0>]'],
    ['pppd', 'sent [CHAP Challenge id=0x1 <00>, name = "pptpd"]'],
    ['pppd', 'rcvd [LCP EchoRep id=0x1 magic=0x1]'],
    ['pptp', "anon log[ctrlp_disp:pptp_ctrl.c:1]: Outgoing call established (call ID 1, peer's call ID 2)."],
  ];
  for (const [program, m] of meaningful) {
    const { match } = classifyRecord(rec(program, m));
    assert.notEqual(match, KNOWN, `${program}: ${m} must not be noise`);
    const rule = NOISE.find((r) => r.program === program);
    const text = rule?.anonBody === true ? m.slice(m.indexOf(']: ') + 3) : m;
    assert.ok(!rule?.prefixes.some((p) => text.startsWith(p)), `${m} is under a NOISE prefix`);
  }
});
