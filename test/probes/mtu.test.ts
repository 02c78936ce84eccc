// The mtu probe against the lab's real pptpd/pppd: the healthy path passes 1500; with the lab's `mtu N`
// fault (a silent black hole for IP packets over N, no ICMP) the search finds exactly N, and an
// oversize echo with DF clear is dropped too (fragments: dropped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getLab } from '../lab/lab.js';
import { probe } from '../pptp/lab-probe.js';

test('healthy path: mtu 1500, PPP MTU 1460, no fragment test needed', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const out = await probe('mtu', lab.net.serverIp);
    assert.equal(out.result.ok, true, JSON.stringify(out.result));
    assert.equal(out.result.mtu, 1500);
    assert.equal(out.result.pppMtu, 1460);
    assert.equal(out.result.fragments, null);
    assert.equal(out.events[0]?.kind, 'probe.mtu');
  });
});

test('path clamped to 1200 (fault mtu 1200, black hole): mtu 1200 found', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const f = await lab.fault('mtu', ['1200']);
    try {
      const out = await probe('mtu', lab.net.serverIp);
      assert.equal(out.result.ok, true, JSON.stringify(out.result));
      assert.equal(out.result.mtu, 1200, JSON.stringify(out.result));
      assert.equal(out.result.routerMtu, null); // the black hole sends no ICMP
      assert.equal(out.result.fragments, 'dropped');
    } finally {
      await f.undo();
    }
  });
});
