// The gre probe without the lab: without CAP_NET_RAW (a child process whose capability bounding set
// lacks net_raw), and against loopback servers that answer the control connection but send no GRE
// (gre_blocked) or only GRE garbage (gre_invalid), through the real raw GRE helper. Every failure must
// be reported within bounds, never thrown. The real-server cases are in gre.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { CTRL, encodeControl, type Ocrp } from '../../src/pptp/control.js';
import { encodeGre } from '../../src/pptp/gre.js';
import { RawGreSocket } from '../../src/pptp/raw/gre-socket.js';
import { runCli } from '../helpers/cli.js';
import { probeContext, runNamedProbe } from '../helpers/probe-context.js';
import { ControlServers, answerControl, sccrp } from '../helpers/pptp-server.js';

const servers = new ControlServers();
after(() => servers.closeAll());

const SCCRP = sccrp({ hostname: 'loop', vendor: 'test' });

/** A control-only PPTP server on loopback: SCCRP and OCRP (call 0), CDN and StopCCRP; never any GRE. */
function controlOnlyServer(onCall: (ourCallId: number) => void = () => {}): Promise<number> {
  return servers.start((sock, m) => {
    if (answerControl(sock, m, SCCRP)) return;
    if (m.type === CTRL.OutgoingCallRequest) {
      const ocrp: Ocrp = {
        type: CTRL.OutgoingCallReply,
        callId: 0,
        peerCallId: m.callId,
        resultCode: 1,
        errorCode: 0,
        causeCode: 0,
        connectSpeed: 10_000_000,
        recvWindow: 64,
        processingDelay: 0,
        physicalChannelId: 0,
      };
      sock.write(encodeControl(ocrp));
      onCall(m.callId);
    } else if (m.type === CTRL.CallClearRequest) {
      sock.write(
        encodeControl({
          type: CTRL.CallDisconnectNotify,
          callId: 0,
          resultCode: 3,
          errorCode: 0,
          causeCode: 0,
          callStatistics: '',
        }),
      );
    }
  });
}

async function loopProbe(port: number) {
  const t0 = performance.now();
  const out = await runNamedProbe(
    'gre',
    probeContext({ port, timeoutMs: 1500, options: { restartMs: '300', maxConfigure: '3' } }),
  );
  const took = performance.now() - t0;
  assert.ok(took < 8000, `gre probe took ${took} ms`);
  assert.notEqual(out.result.reason, 'deadline');
  assert.notEqual(out.result.reason, 'internal_error');
  return out;
}

test('without CAP_NET_RAW the probe says no_raw_socket (needs root or CAP_NET_RAW)', async () => {
  const { stdout } = await runCli(['probe', '127.0.0.1', '--check', 'gre', '--json'], {
    under: ['setpriv', '--bounding-set=-net_raw', '--inh-caps=-net_raw', '--'],
  });
  const doc = JSON.parse(stdout) as { checks: Array<{ stage: string; reason: string; detail: string }> };
  const c = doc.checks[0];
  assert.ok(c);
  assert.equal(c.stage, 'gre');
  assert.equal(c.reason, 'no_raw_socket');
  assert.match(c.detail, /root or CAP_NET_RAW/);
});

test('control answers but no GRE comes back: gre_blocked, with the NAT/firewall explanation', async () => {
  const port = await controlOnlyServer();
  const out = await loopProbe(port);
  assert.equal(out.result.ok, false);
  assert.equal(out.result.stage, 'gre');
  assert.equal(out.result.reason, 'gre_blocked');
  assert.match(
    String(out.result.detail),
    /GRE blocked or not forwarded \(NAT \/ conntrack helper \/ firewall\)/,
  );
});

test('GRE garbage and GRE for another call: gre_invalid, reported not thrown', async () => {
  const sender = await RawGreSocket.open('127.0.0.1');
  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await controlOnlyServer((ourCallId) => {
      let n = 0;
      timer = setInterval(() => {
        n++;
        sender.send(Buffer.from([0x30, 0x81, 0x88, 0x0b, 0xff, 0xff])); // truncated, lying length
        sender.send(
          encodeGre({ callId: (ourCallId + 1) & 0xffff, seq: n, payload: Buffer.from('ff03c021', 'hex') }),
        );
        sender.send(Buffer.from([0x00, 0x00, 0x08, 0x00, 1, 2, 3, 4])); // plain GRE v0, not PPTP
      }, 100);
    });
    const out = await loopProbe(port);
    assert.equal(out.result.ok, false);
    assert.equal(out.result.stage, 'gre');
    assert.equal(out.result.reason, 'gre_invalid', JSON.stringify(out.result));
  } finally {
    clearInterval(timer);
    sender.close();
  }
});

test('a raw GRE helper killed under us: later sends are dropped, nothing throws (no EPIPE crash)', async () => {
  const sock = await RawGreSocket.open('127.0.0.1');
  const exited = new Promise<string>((resolve) => (sock.onExit = resolve));
  const pid = (sock as unknown as { child: { pid: number } }).child.pid;
  process.kill(pid, 'SIGKILL'); // the helper we started, by its own PID
  // Let it die before the event loop hears of it, so these writes hit a closed pipe (EPIPE).
  const until = Date.now() + 150;
  while (Date.now() < until) {
    /* spin: no event loop turn, so no 'exit' event yet */
  }
  for (let i = 0; i < 50; i++) sock.send(Buffer.alloc(64));
  assert.match(await exited, /SIGKILL/);
  for (let i = 0; i < 5; i++) sock.send(Buffer.alloc(64));
  await new Promise((r) => setTimeout(r, 100));
  sock.close();
});
