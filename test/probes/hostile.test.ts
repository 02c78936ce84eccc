// A hostile PPTP server on loopback: it answers SCCRQ with truncated, oversized, wrong-magic,
// wrong-length, out-of-order and garbage data, drips bytes slowly, or never answers. The control probe
// (and the control client under it) must report a clear stage/reason within its deadline, never throw
// and never hang.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { encodeControl, CTRL } from '../../src/pptp/control.js';
import { PptpControlClient, PptpControlError } from '../../src/pptp/ctrl-client.js';
import { probeContext, runNamedProbe } from '../helpers/probe-context.js';
import { ControlServers, sccrp as healthySccrp } from '../helpers/pptp-server.js';

const TIMEOUT_MS = 700;

const GOOD_SCCRP = healthySccrp();

type Behaviour = (sock: net.Socket, msgType: number, raw: Buffer) => void;

const servers = new ControlServers();
const timers = new Set<NodeJS.Timeout>();

/** Starts a loopback server that feeds each decoded client message to `behaviour`. */
function hostile(behaviour: Behaviour): Promise<number> {
  return servers.start((sock, m, chunk) => behaviour(sock, m.type, chunk));
}

after(() => {
  for (const t of timers) clearTimeout(t);
  servers.closeAll();
});

async function probeControl(port: number) {
  const t0 = performance.now();
  const out = await runNamedProbe('control', probeContext({ port, timeoutMs: TIMEOUT_MS }));
  const took = performance.now() - t0;
  // Bounded: one step timeout plus slack, never the runner's last-resort deadline.
  assert.ok(took < 4 * TIMEOUT_MS, `took ${took} ms`);
  assert.notEqual(out.result.reason, 'deadline');
  assert.notEqual(out.result.reason, 'internal_error');
  assert.equal(out.events[0]?.kind, 'probe.control');
  return out.result;
}

const sccrp = encodeControl(GOOD_SCCRP);
const onSccrq =
  (reply: (sock: net.Socket) => void): Behaviour =>
  (sock, type) => {
    if (type === CTRL.StartControlConnectionRequest) reply(sock);
  };

const cases: Array<{ name: string; behaviour: Behaviour; reason: string; detail: RegExp }> = [
  {
    name: 'truncated SCCRP then close',
    behaviour: onSccrq((s) => s.end(sccrp.subarray(0, 50))),
    reason: 'closed',
    detail: /mid-message, 50 bytes/,
  },
  {
    name: 'truncated SCCRP then silence',
    behaviour: onSccrq((s) => s.write(sccrp.subarray(0, 80))),
    reason: 'timeout',
    detail: /no SCCRP within 700 ms/,
  },
  {
    name: 'oversized length field',
    behaviour: onSccrq((s) => {
      const b = Buffer.from(sccrp);
      b.writeUInt16BE(65000, 0);
      s.write(b);
    }),
    reason: 'protocol',
    detail: /oversized/,
  },
  {
    name: 'wrong magic cookie',
    behaviour: onSccrq((s) => {
      const b = Buffer.from(sccrp);
      b.writeUInt32BE(0xdeadbeef, 4);
      s.write(b);
    }),
    reason: 'protocol',
    detail: /bad_magic: Magic Cookie 0xdeadbeef/,
  },
  {
    name: 'wrong length for SCCRP',
    behaviour: onSccrq((s) => {
      const b = Buffer.from(sccrp.subarray(0, 100));
      b.writeUInt16BE(100, 0);
      s.write(b);
    }),
    reason: 'protocol',
    detail: /SCCRP with Length 100, expected 156/,
  },
  {
    name: 'unknown message type',
    behaviour: onSccrq((s) => {
      const b = Buffer.from(encodeControl({ type: 5, identifier: 1 }));
      b.writeUInt16BE(77, 8);
      s.write(b);
    }),
    reason: 'protocol',
    detail: /unknown Control Message Type 77/,
  },
  {
    name: 'out-of-order reply (OCRP for SCCRQ)',
    behaviour: onSccrq((s) =>
      s.write(
        encodeControl({
          type: 8,
          callId: 1,
          peerCallId: 1,
          resultCode: 1,
          errorCode: 0,
          causeCode: 0,
          connectSpeed: 0,
          recvWindow: 1,
          processingDelay: 0,
          physicalChannelId: 0,
        }),
      ),
    ),
    reason: 'unexpected',
    detail: /got OCRP while waiting for SCCRP/,
  },
  {
    name: 'garbage bytes',
    behaviour: onSccrq((s) => s.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))),
    reason: 'protocol',
    detail: /invalid control message/,
  },
  {
    name: 'slow drip (one byte per 50 ms)',
    behaviour: onSccrq((s) => {
      let i = 0;
      const drip = () => {
        if (s.destroyed || i >= sccrp.length) return;
        s.write(sccrp.subarray(i, i + 1));
        i++;
        const t = setTimeout(drip, 50);
        timers.add(t);
      };
      drip();
    }),
    reason: 'timeout',
    detail: /no SCCRP within 700 ms/,
  },
  {
    name: 'never answers',
    behaviour: () => {},
    reason: 'timeout',
    detail: /no SCCRP/,
  },
  {
    name: 'closes at once',
    behaviour: onSccrq((s) => s.destroy()),
    reason: 'closed',
    detail: /server closed the connection/,
  },
  {
    name: 'server stops the connection instead of answering',
    behaviour: onSccrq((s) => s.write(encodeControl({ type: 3, reason: 3 }))),
    reason: 'stopped_by_peer',
    detail: /StopCCRQ \(reason 3\)/,
  },
  {
    name: 'SCCRP answered but Echo never',
    behaviour: onSccrq((s) => s.write(sccrp)),
    reason: 'echo_timeout',
    detail: /no Echo-Reply 1 within/,
  },
];

for (const c of cases) {
  test(`control probe vs hostile server: ${c.name}`, async () => {
    const port = await hostile(c.behaviour);
    const r = await probeControl(port);
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'sccrq');
    assert.equal(r.reason, c.reason, String(r.detail));
    // Only a close before any reply byte is retried (pptpd's manager race, see control.ts).
    assert.equal(r.attempts, c.name === 'closes at once' ? 2 : undefined);
    assert.match(String(r.detail), c.detail);
  });
}

test('rejected SCCRP is reported with the RFC result text and the server identity', async () => {
  const port = await hostile(
    onSccrq((s) => s.write(encodeControl({ ...GOOD_SCCRP, resultCode: 4, errorCode: 0 }))),
  );
  const r = await probeControl(port);
  assert.equal(r.reason, 'rejected');
  assert.match(String(r.detail), /SCCRP result 4 \(Requester is not authorized/);
  assert.equal(r.vendor, 'linux');
});

test('hostile strings in SCCRP are made printable, and a well-behaved exchange passes', async () => {
  const port = await hostile((s, type, _raw) => {
    if (type === CTRL.StartControlConnectionRequest) {
      s.write(encodeControl({ ...GOOD_SCCRP, hostname: 'evil\x1b[2J\nhost', vendor: 'v\x00hidden' }));
    } else if (type === CTRL.EchoRequest) {
      // Reply after an unsolicited Echo-Request and a SLI, which the client must absorb.
      s.write(
        Buffer.concat([
          encodeControl({ type: 5, identifier: 99 }),
          encodeControl({ type: 15, peerCallId: 0, sendAccm: 0, recvAccm: 0 }),
        ]),
      );
      s.write(encodeControl({ type: 6, identifier: 1, resultCode: 1, errorCode: 0 }));
    } else if (type === CTRL.StopControlConnectionRequest) {
      s.end(encodeControl({ type: 4, resultCode: 1, errorCode: 0 }));
    }
  });
  const r = await probeControl(port);
  assert.equal(r.ok, true, String(r.detail));
  assert.equal(r.hostname, 'evil\\x1b[2J\\x0ahost');
  assert.equal(r.vendor, 'v');
});

test('control client: OCRP with another call id, and CDN before OCRP, are typed errors', async () => {
  const port = await hostile((s, type) => {
    if (type === CTRL.StartControlConnectionRequest) s.write(sccrp);
    if (type === CTRL.OutgoingCallRequest) {
      s.write(
        encodeControl({
          type: 8,
          callId: 5,
          peerCallId: 999,
          resultCode: 1,
          errorCode: 0,
          causeCode: 0,
          connectSpeed: 0,
          recvWindow: 1,
          processingDelay: 0,
          physicalChannelId: 0,
        }),
      );
    }
  });
  const c = await PptpControlClient.connect({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS });
  await c.start();
  await assert.rejects(
    c.outgoingCall({ callId: 1 }),
    (e: unknown) => e instanceof PptpControlError && e.code === 'unexpected' && e.step === 'ocrq',
  );
  c.close();
  await assert.rejects(c.echo(), PptpControlError);
});

test('control client: OCRP "Busy" is rejected with the RFC name; no hang on a closed connection', async () => {
  const port = await hostile((s, type, raw) => {
    if (type === CTRL.StartControlConnectionRequest) s.write(sccrp);
    if (type === CTRL.OutgoingCallRequest) {
      const callId = raw.readUInt16BE(12);
      s.write(
        encodeControl({
          type: 8,
          callId: 0,
          peerCallId: callId,
          resultCode: 4,
          errorCode: 0,
          causeCode: 0,
          connectSpeed: 0,
          recvWindow: 1,
          processingDelay: 0,
          physicalChannelId: 0,
        }),
      );
      s.destroy();
    }
  });
  const c = await PptpControlClient.connect({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS });
  await c.start();
  await assert.rejects(c.outgoingCall(), /OCRP result 4 \(Busy\)/);
  await assert.rejects(c.stop(), (e: unknown) => e instanceof PptpControlError && e.code === 'closed');
});

test('control client: CCRQ answered by CDN, or by closing the connection as pptpd 1.4 does', async () => {
  for (const answer of ['cdn', 'close'] as const) {
    const port = await hostile((s, type, raw) => {
      if (type === CTRL.StartControlConnectionRequest) s.write(sccrp);
      if (type === CTRL.OutgoingCallRequest) {
        s.write(
          encodeControl({
            type: 8,
            callId: 40,
            peerCallId: raw.readUInt16BE(12),
            resultCode: 1,
            errorCode: 0,
            causeCode: 0,
            connectSpeed: 0,
            recvWindow: 1,
            processingDelay: 0,
            physicalChannelId: 0,
          }),
        );
      }
      if (type === CTRL.CallClearRequest) {
        if (answer === 'close') s.destroy();
        else
          s.write(
            encodeControl({
              type: 13,
              callId: raw.readUInt16BE(12),
              resultCode: 4,
              errorCode: 0,
              causeCode: 0,
              callStatistics: '',
            }),
          );
      }
    });
    const c = await PptpControlClient.connect({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS });
    await c.start();
    const call = await c.outgoingCall();
    assert.equal(call.peerCallId, 40);
    const cleared = await c.clearCall(call.callId);
    if (answer === 'close') assert.deepEqual(cleared, { closedByServer: true });
    else assert.equal(cleared.cdn?.resultCode, 4);
    c.close();
  }
});

test('control probe: one early close (pptpd manager EINTR race) is retried once; a second one counts', async () => {
  let connections = 0;
  const port = await hostile((s, type) => {
    if (type === CTRL.StartControlConnectionRequest) {
      connections++;
      if (connections === 1) return void s.destroy();
      s.write(sccrp);
    } else if (type === CTRL.EchoRequest) {
      s.write(encodeControl({ type: 6, identifier: 1, resultCode: 1, errorCode: 0 }));
    } else if (type === CTRL.StopControlConnectionRequest) {
      s.end(encodeControl({ type: 4, resultCode: 1, errorCode: 0 }));
    }
  });
  const r = await probeControl(port);
  assert.equal(r.ok, true, String(r.detail));
  assert.equal(r.attempts, 2);
  assert.equal(connections, 2);
});

test('control probe vs seeded random replies: always a typed failure or success, never a throw or hang', async () => {
  let seed = 1723;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const reasons = new Set<string>();
  for (let i = 0; i < 20; i++) {
    // A valid SCCRP prefix with random damage, or pure noise, in random-sized writes.
    const base =
      rand() < 0.5
        ? Buffer.from(sccrp)
        : Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
    for (let k = 0; k < 1 + rand() * 6; k++)
      base[Math.floor(rand() * base.length)] = Math.floor(rand() * 256);
    const cut = Math.floor(rand() * base.length);
    const port = await hostile(
      onSccrq((s) => {
        s.write(base.subarray(0, cut));
        s.write(base.subarray(cut));
        if (rand() < 0.3) s.end();
      }),
    );
    const r = await probeControl(port);
    assert.equal(typeof r.ok, 'boolean');
    if (!r.ok) {
      assert.ok(r.reason && r.detail, JSON.stringify(r));
      reasons.add(String(r.reason));
    }
  }
  assert.ok(reasons.size >= 2, `varied failures: ${[...reasons].join(', ')}`);
});
