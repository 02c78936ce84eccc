// Multi-vantage: the verdict function (pure), and a lab run from two vantage network namespaces that this
// test attaches to the lab's namespace, one of them dropping GRE with nftables: tcp/control succeed from
// both, gre only from A, so the comparison says `path_problem` for gre, not "server down".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { getLab } from '../lab/lab.js';
import { compareVantages, type VantageReport } from '../../src/probes/vantage.js';
import type { CheckResult } from '../../src/probes/types.js';
import { runCli } from '../helpers/cli.js';
import { nftIn } from '../helpers/netns.js';

const run = promisify(execFile);

test('compareVantages: ok, down everywhere, and down from some (path problem)', () => {
  const ok = (check: CheckResult['check']): CheckResult => ({ check, ok: true, ms: 1 });
  const bad = (check: CheckResult['check'], reason: string): CheckResult => ({
    check,
    ok: false,
    ms: 1,
    stage: 'gre',
    reason,
  });
  const v = compareVantages([
    { vantage: 'a', target: 't', checks: [ok('tcp'), ok('gre'), bad('login', 'timeout')] },
    { vantage: 'b', target: 't', checks: [ok('tcp'), bad('gre', 'gre_blocked'), bad('login', 'timeout')] },
  ]);
  assert.deepEqual(
    v.map((x) => [x.check, x.verdict]),
    [
      ['tcp', 'ok'],
      ['gre', 'path_problem'],
      ['login', 'down_everywhere'],
    ],
  );
  assert.deepEqual(v[1]?.failedFrom, [{ vantage: 'b', stage: 'gre', reason: 'gre_blocked' }]);
  assert.deepEqual(v[1]?.okFrom, ['a']);
});

async function probeFrom(
  ns: string,
  vantage: string,
  server: string,
): Promise<VantageReport & { ok: boolean }> {
  const state = path.join(tmpdir(), `pptpmon-vantage-${vantage}-${process.pid}.json`);
  const args = ['probe', server, '--check', 'tcp,control,gre', '--json', '--vantage', vantage];
  const r = await runCli([...args, '--timeout', '5000', '--state-file', state], {
    under: ['ip', 'netns', 'exec', ns],
    timeoutMs: 120_000,
  });
  try {
    return JSON.parse(r.stdout) as VantageReport & { ok: boolean };
  } catch {
    throw new Error(`probe from ${vantage} printed no JSON (exit ${r.code}): ${r.stderr}`);
  }
}

test('two vantages on the lab, GRE dropped in front of one: gre is a path problem, not a server failure', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  const n = process.pid % 10000;
  const vantages = [
    {
      name: 'A',
      ns: `pmvant-a-${n}`,
      labIf: `pva${n}`,
      vIf: `pva${n}v`,
      labIp: '10.77.250.1',
      ip: '10.77.250.2',
      dropGre: false,
    },
    {
      name: 'B',
      ns: `pmvant-b-${n}`,
      labIf: `pvb${n}`,
      vIf: `pvb${n}v`,
      labIp: '10.77.250.5',
      ip: '10.77.250.6',
      dropGre: true,
    },
  ];
  // Adds interfaces to the lab's namespace: hold the lab's lock like a fault does.
  await lab.exclusive(async () => {
    try {
      for (const v of vantages) {
        await run('ip', ['netns', 'add', v.ns]);
        await run('ip', ['link', 'add', v.labIf, 'type', 'veth', 'peer', 'name', v.vIf]);
        await run('ip', ['link', 'set', v.labIf, 'netns', lab.net.netns]);
        await run('ip', ['link', 'set', v.vIf, 'netns', v.ns]);
        await run('ip', ['-n', lab.net.netns, 'addr', 'add', `${v.labIp}/30`, 'dev', v.labIf]);
        await run('ip', ['-n', lab.net.netns, 'link', 'set', v.labIf, 'up']);
        await run('ip', ['-n', v.ns, 'link', 'set', 'lo', 'up']);
        await run('ip', ['-n', v.ns, 'addr', 'add', `${v.ip}/30`, 'dev', v.vIf]);
        await run('ip', ['-n', v.ns, 'link', 'set', v.vIf, 'up']);
        await run('ip', ['-n', v.ns, 'route', 'add', 'default', 'via', v.labIp]);
        if (v.dropGre) {
          await nftIn(
            v.ns,
            'table inet pptpmon_vantage {\n  chain out {\n    type filter hook output priority 0;\n    ip protocol gre drop\n  }\n  chain in {\n    type filter hook input priority 0;\n    ip protocol gre drop\n  }\n}\n',
          );
        }
      }
      const reports: VantageReport[] = [];
      for (const v of vantages) reports.push(await probeFrom(v.ns, v.name, lab.net.serverIp));
      const [a, b] = reports;
      assert.ok(a && b);
      const byCheck = (r: VantageReport, c: string) => r.checks.find((x) => x.check === c);
      assert.equal(byCheck(a, 'gre')?.ok, true, JSON.stringify(byCheck(a, 'gre')));
      assert.equal(byCheck(b, 'control')?.ok, true, JSON.stringify(byCheck(b, 'control')));
      assert.equal(byCheck(b, 'gre')?.reason, 'gre_blocked', JSON.stringify(byCheck(b, 'gre')));
      const verdicts = compareVantages(reports);
      assert.deepEqual(
        verdicts.map((x) => [x.check, x.verdict]),
        [
          ['tcp', 'ok'],
          ['control', 'ok'],
          ['gre', 'path_problem'],
        ],
      );
    } finally {
      // Deleting a namespace deletes its veth end, and with it the peer in the lab's namespace.
      for (const v of vantages) await run('ip', ['netns', 'del', v.ns]).catch(() => undefined);
    }
  });
});
