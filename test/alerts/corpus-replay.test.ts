/**
 * No false alarms on real logs: the lab's real captures (test/corpus/lab-seed, pptpd 1.4.0 / pppd
 * 2.4.9 in the lab VM: good logins, bad passwords, nomppe, unknown users, a broken pppd, GRE drop,
 * a pptpd kill with one session) and the per-fault corpus cases, replayed through the log reader,
 * LogPipeline and the default rules with 10 minutes of ticks after the last line. Single faults
 * stay below the default levels, except a pppd crash, which is worth a warning on its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LogPipeline } from '../../src/logs/index.js';
import { LogReader } from '../../src/logs/read/index.js';
import { RuleEngine, loadDefaultRules } from '../../src/rules/index.js';

const CORPUS = join(import.meta.dirname, '../corpus');
const EXPECTED: Record<string, string[]> = {
  'lab-seed/faults.log': [],
  'lab-seed/syslog.log': [],
  'pptpd/admin-kill.log': [],
  'pptpd/bad-password.log': [],
  'pptpd/echo-timeout.log': [],
  'pptpd/lcp-timeout-gre-blocked.log': [],
  'pptpd/mppe-refused.log': [],
  'pptpd/mschapv2-mppe-ok.log': [],
  'pptpd/peer-terminate.log': [],
  'pptpd/pppd-crash.log': ['firing:warning:pppd-crash'],
  'pptpd/pptpd-restart.log': [],
  'pptpd/radius-timeout.log': [],
  'pptpd/unknown-user.log': [],
};

async function firedBy(file: string): Promise<string[]> {
  const reader = new LogReader([file], { timeZone: 'UTC', nowMs: Date.parse('2026-11-25T00:00:00Z') });
  await reader.open();
  const pipeline = new LogPipeline({ host: 'lab' });
  const engine = new RuleEngine(loadDefaultRules());
  const fired: string[] = [];
  const note = (ts: ReturnType<RuleEngine['tick']>) => {
    for (const t of ts)
      if (!t.refresh && t.status === 'firing') fired.push(`${t.status}:${t.severity}:${t.rule}`);
  };
  let last = 0;
  for await (const batch of reader.batches()) {
    for (const rec of batch) {
      for (const ev of pipeline.push(rec)) {
        last = Date.parse(ev.ts);
        note(engine.ingest(ev));
        note(engine.tick(last));
      }
    }
  }
  for (let t = last; t <= last + 10 * 60_000; t += 1000) note(engine.tick(t));
  return fired;
}

for (const [rel, expected] of Object.entries(EXPECTED)) {
  const file = join(CORPUS, rel);
  test(
    `replaying ${rel} fires ${expected.length ? expected.join(', ') : 'nothing'}`,
    { skip: existsSync(file) ? false : `${rel} is not in the corpus` },
    async () => {
      assert.deepEqual(await firedBy(file), expected);
    },
  );
}
