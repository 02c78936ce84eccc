// tcp and control probes (and the control client's call set-up) against the lab's REAL pptpd 1.4.0 in
// the qemu VM (test/lab/lab.ts). Healthy server: both succeed, pptpd logs our clean Stop-Control-
// Connection. Fault `pptpd-stop` (under the lab's exclusive lock): both fail at stage tcp, refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getLab } from '../lab/lab.js';
import { PptpControlClient } from '../../src/pptp/ctrl-client.js';
import { MemoryStateStore, type ProbeContext } from '../../src/probes/index.js';
import { runCli } from '../helpers/cli.js';
import { probeContext, runNamedProbe } from '../helpers/probe-context.js';

/** `pptpmon probe HOST --check tcp,control --nagios` through the real CLI process. */
async function nagios(host: string): Promise<{ code: number; line: string }> {
  const state = path.join(tmpdir(), `pptpmon-lab-nagios-${process.pid}.json`);
  const args = ['probe', host, '--check', 'tcp,control', '--nagios', '-w', '20000', '-c', '30000'];
  const r = await runCli([...args, '--state-file', state], { timeoutMs: 60_000 });
  return { code: r.code, line: r.stdout };
}

function ctx(target: string, state = new MemoryStateStore()): ProbeContext {
  return probeContext({ target, vantage: 'lab-host', timeoutMs: 5000, state });
}

test('healthy lab pptpd: tcp and control succeed; pptpd sees our StopCCRQ', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  // The lock only to be sure no other test has a fault (pptpd-stop...) switched on meanwhile.
  const release = await lab.lock();
  t.after(release);
  const server = lab.net.serverIp;
  const tcp = await runNamedProbe('tcp', ctx(server));
  assert.equal(tcp.result.ok, true, String(tcp.result.detail));
  const mark = lab.logMark();
  const control = await runNamedProbe('control', ctx(server));
  const r = control.result;
  assert.equal(r.ok, true, String(r.detail));
  assert.equal(r.protocolVersion, '1.0');
  assert.equal(r.resultCode, 1);
  assert.equal(typeof r.vendor, 'string');
  assert.equal(typeof r.hostname, 'string');
  assert.equal(typeof r.echoMs, 'number');
  assert.equal(r.stopResult, 1);
  assert.equal(control.events[0]?.kind, 'probe.control');
  t.diagnostic(
    `pptpd SCCRP: vendor=${String(r.vendor)} hostname=${String(r.hostname)} firmware=${String(r.firmware)} framing=${JSON.stringify(r.framing)} bearer=${JSON.stringify(r.bearer)} maxChannels=${String(r.maxChannels)}`,
  );
  // pptpd (pptpctrl.c) logs each control message type it receives with `debug` on.
  await lab.waitForLog(mark, 'syslog', /Received PPTP Control Message \(type: 3\)/, 10_000);
  await lab.waitForLog(mark, 'syslog', /control connection finished/, 10_000);
  const n = await nagios(server);
  assert.equal(n.code, 0, n.line);
  assert.match(n.line, /^PPTP OK - [\d.]+: tcp [\d.]+ ms; control [\d.]+ ms \(linux local fw 1\) \| 'tcp'=/);
});

test('control client against real pptpd: OCRQ/OCRP gives call ids, SLI accepted, CCRQ clears the call', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  // OCRQ makes pptpd launch pppd: that changes server state, so hold the lab's lock.
  await lab.exclusive(async () => {
    const mark = lab.logMark();
    const c = await PptpControlClient.connect({ host: lab.net.serverIp, timeoutMs: 8000 });
    try {
      await c.start();
      const call = await c.outgoingCall();
      assert.equal(call.reply.resultCode, 1);
      assert.ok(call.peerCallId >= 0 && call.peerCallId <= 0xffff);
      c.setLinkInfo(call.peerCallId);
      const cleared = await c.clearCall(call.callId);
      // pptpd 1.4 ends the control connection on CCRQ instead of sending the CDN (see clearCall).
      assert.ok(cleared.closedByServer || cleared.cdn?.callId === call.callId, JSON.stringify(cleared));
      if (!cleared.closedByServer) {
        const stop = await c.stop();
        assert.equal(stop.resultCode, 1);
      }
    } finally {
      c.close();
    }
    // pptpd decoded our SLI and CCRQ as such (pptpctrl.c debug lines).
    await lab.waitForLog(mark, 'syslog', /Got a SET LINK INFO packet with standard ACCMs/, 10_000);
    await lab.waitForLog(mark, 'syslog', /Received CALL CLR request \(closing call\)/, 10_000);
  });
});

test('pptpd stopped: tcp and control fail at stage tcp with reason refused', async (t) => {
  const lab = await getLab(t);
  if (!lab) return;
  await lab.exclusive(async () => {
    const fault = await lab.fault('pptpd-stop');
    try {
      const tcp = await runNamedProbe('tcp', ctx(lab.net.serverIp));
      assert.equal(tcp.result.ok, false);
      assert.equal(tcp.result.stage, 'tcp');
      assert.equal(tcp.result.reason, 'refused');
      const control = await runNamedProbe('control', ctx(lab.net.serverIp));
      assert.equal(control.result.stage, 'tcp');
      assert.equal(control.result.reason, 'refused');
      assert.equal(control.events[0]?.severity, 'critical');
      const n = await nagios(lab.net.serverIp);
      assert.equal(n.code, 2, n.line);
      assert.match(n.line, /^PPTP CRITICAL - [\d.]+: tcp failed at tcp: refused/);
    } finally {
      await fault.undo();
    }
    // And back: the probe sees the restarted server.
    const again = await runNamedProbe('control', ctx(lab.net.serverIp));
    assert.equal(again.result.ok, true, String(again.result.detail));
  });
});
