// The gre probe against the lab's real pptpd/pppd: GRE both ways on a healthy path, and gre_blocked
// when the lab drops IP protocol 47 on the path (fault gre-drop) while TCP 1723 still passes.
// Loopback cases (no CAP_NET_RAW, control-only server, GRE garbage): gre-loopback.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getLab } from '../lab/lab.js';
import { probe } from '../pptp/lab-probe.js';

test('healthy lab server: OCRP, then LCP opens over GRE both ways', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const out = await probe('gre', lab.net.serverIp);
    assert.equal(out.result.ok, true, JSON.stringify(out.result));
    assert.equal(out.result.ocrpResult, 1);
    assert.ok(Number(out.result.greReceived) > 0);
    assert.ok(typeof out.result.lcpMs === 'number');
    assert.equal(out.events[0]?.kind, 'probe.gre');
  });
});

test('GRE dropped on the path (fault gre-drop): control fine, reason gre_blocked', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const f = await lab.fault('gre-drop');
    try {
      const out = await probe('gre', lab.net.serverIp, { timeoutMs: 3000, options: { restartMs: '500' } });
      assert.equal(out.result.ok, false);
      assert.equal(out.result.stage, 'gre');
      assert.equal(out.result.reason, 'gre_blocked', JSON.stringify(out.result));
      assert.equal(out.result.ocrpResult, 1);
      assert.match(String(out.result.detail), /GRE blocked or not forwarded/);
    } finally {
      await f.undo();
    }
  });
});
