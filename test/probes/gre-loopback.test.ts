// The gre probe without the lab: without CAP_NET_RAW (a child process whose capability bounding set
// lacks net_raw), and against loopback servers that answer the control connection but send no GRE
// (gre_blocked) or only GRE garbage (gre_invalid), through the real raw GRE helper. Every failure must
// be reported within bounds, never thrown. The real-server cases are in gre.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { CTRL, ControlFramer, encodeControl, type Ocrp, type Sccrp } from '../../src/pptp/control.js';
import { encodeGre } from '../../src/pptp/gre.js';
import { RawGreSocket } from '../../src/pptp/raw/gre-socket.js';

const run = promisify(execFile);

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

const SCCRP: Sccrp = {
  type: CTRL.StartControlConnectionReply,
  protocolVersion: 0x100,
  resultCode: 1,
  errorCode: 0,
  framingCaps: 1,
  bearerCaps: 1,
  maxChannels: 1,
  firmwareRevision: 1,
  hostname: 'loop',
  vendor: 'test',
};

/** A control-only PPTP server on loopback: SCCRP and OCRP (call 0), CDN and StopCCRP; never any GRE. */
async function controlOnlyServer(onCall: (ourCallId: number) => void = () => {}): Promise<number> {
  const srv = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    sock.on('close', () => sockets.delete(sock));
    const f = new ControlFramer();
    sock.on('data', (d: Buffer) => {
      for (const it of f.push(d)) {
        if (!it.ok) return sock.destroy();
        const m = it.message;
        if (m.type === CTRL.StartControlConnectionRequest) sock.write(encodeControl(SCCRP));
        else if (m.type === CTRL.OutgoingCallRequest) {
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
        } else if (m.type === CTRL.StopControlConnectionRequest) {
          sock.end(encodeControl({ type: CTRL.StopControlConnectionReply, resultCode: 1, errorCode: 0 }));
        }
      }
    });
  });
  servers.push(srv);
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  return (srv.address() as net.AddressInfo).port;
}

async function loopProbe(port: number) {
  const { findProbe, runProbe, MemoryStateStore } = await import('../../src/probes/index.js');
  const p = findProbe('gre');
  assert.ok(p);
  const t0 = performance.now();
  const out = await runProbe(p, {
    target: '127.0.0.1',
    port,
    vantage: 'test',
    host: 'test',
    timeoutMs: 1500,
    options: { restartMs: '300', maxConfigure: '3' },
    state: new MemoryStateStore(),
    now: () => performance.now(),
    wallClock: () => new Date(),
  });
  const took = performance.now() - t0;
  assert.ok(took < 8000, `gre probe took ${took} ms`);
  assert.notEqual(out.result.reason, 'deadline');
  assert.notEqual(out.result.reason, 'internal_error');
  return out;
}

test('without CAP_NET_RAW the probe says no_raw_socket (needs root or CAP_NET_RAW)', async () => {
  const { stdout } = await run(
    'setpriv',
    [
      '--bounding-set=-net_raw',
      '--inh-caps=-net_raw',
      '--',
      process.execPath,
      '--import',
      'tsx',
      'src/cli/main.ts',
      'probe',
      '127.0.0.1',
      '--check',
      'gre',
      '--json',
    ],
    { timeout: 30_000 },
  ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
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
