/**
 * Captures real lab logs into test/corpus/lab/<scenario>.log (the server's syslog: pptpd + server pppd
 * lines, busybox syslogd -S) for the log-analysis corpus. Run: `node --import tsx lab/capture-corpus.ts
 * [scenario...]`. Holds the lab's exclusive lock per scenario so no other test's sessions interleave
 * (read-only probes of other engineers may still appear: they are real traffic too).
 * The expected.json beside each capture is written BY HAND from reading the log, never generated.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR } from './src/config.js';
import { getLab, type LabHandle } from '../test/lab/lab.js';
import { sleep } from './src/proc.js';

type Scenario = (lab: LabHandle) => Promise<void>;

const SCENARIOS: Record<string, Scenario> = {
  'good-session': async (lab) => {
    const s = await lab.session({ user: 'alice' });
    await lab.exec([
      'ip',
      'netns',
      'exec',
      lab.net.clientNetns,
      'ping',
      '-c',
      '3',
      '-I',
      s.ifname ?? '',
      s.peer ?? '',
    ]);
    await s.stop();
  },
  'bad-password': async (lab) => void (await lab.session({ user: 'alice', password: 'wrong-password' })),
  'unknown-user': async (lab) => void (await lab.session({ user: 'mallory', password: 'whatever' })),
  'no-mppe': async (lab) => void (await lab.session({ user: 'alice', noMppe: true })),
  'gre-drop': async (lab) => {
    const f = await lab.fault('gre-drop');
    try {
      await lab.session({ user: 'alice', timeoutS: 60 });
    } finally {
      await f.undo();
    }
  },
  'pptpd-kill': async (lab) => {
    const s = await lab.session({ user: 'bob' });
    await sleep(2000);
    const f = await lab.fault('pptpd-kill', ['all']);
    await sleep(5000);
    await f.undo();
    await s.stop();
  },
  'radius-stop': async (lab) => {
    const f = await lab.fault('radius-stop');
    try {
      await lab.session({ user: 'radalice', timeoutS: 60 });
    } finally {
      await f.undo();
    }
  },
  'radius-auth': async (lab) => {
    const ok = await lab.session({ user: 'radalice' });
    await ok.stop();
    await lab.session({ user: 'radalice', password: 'wrong-password' });
    await lab.session({ user: 'radmallory', password: 'whatever', profile: 'radius' });
  },
  'pppd-broken': async (lab) => {
    const f = await lab.fault('pppd-broken');
    try {
      await lab.session({ user: 'alice', timeoutS: 40 });
    } finally {
      await f.undo();
    }
  },
  'sessions30-crash': async (lab) => {
    const f = await lab.fault('sessions', ['30']);
    process.stderr.write(`[capture] ${f.detail}\n`);
    await sleep(5000);
    const k = await lab.fault('pptpd-kill', ['all']);
    await sleep(10_000);
    await k.undo();
    await f.undo();
  },
};

/**
 * Drops the tail of calls that began before the scenario (other engineers' probes end there): the
 * capture starts at the first new control connection, or a pptpd start, whichever comes first.
 */
export function trimLead(text: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => /MGR: (Launching \/usr\/sbin\/pptpctrl|Manager process started)/.test(l));
  return i <= 0 ? text : lines.slice(i).join('\n');
}

async function main(names: string[]): Promise<void> {
  const lab = await getLab();
  if (!lab) throw new Error('lab unavailable');
  const dir = join(REPO_DIR, 'test/corpus/lab');
  mkdirSync(dir, { recursive: true });
  const version = (
    await lab.exec([
      'sh',
      '-c',
      'dpkg-query -W -f "\\${Package} \\${Version}\\n" pptpd ppp pptp-linux freeradius',
    ])
  ).stdout;
  for (const name of names.length ? names : Object.keys(SCENARIOS)) {
    const run = SCENARIOS[name];
    if (!run) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    await lab.exclusive(async () => {
      const mark = lab.logMark();
      const t0 = Date.now();
      await run(lab);
      await sleep(3000); // let the last lines cross syslog and 9p
      writeFileSync(join(dir, `${name}.log`), trimLead(lab.logSince(mark, 'syslog')));
      if (name === 'radius-auth')
        writeFileSync(join(dir, `${name}.freeradius.log`), lab.logSince(mark, 'radius'));
      writeFileSync(
        join(dir, `${name}.versions.txt`),
        `captured ${new Date(t0).toISOString()} from the lab VM (busybox syslogd -S, pptpd debug, pppd debug)\n${version}`,
      );
      process.stderr.write(`[capture] ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    });
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`capture failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
