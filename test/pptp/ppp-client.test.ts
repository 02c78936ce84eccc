// The userspace PPP client driven with the exact packets pppd 2.4.9 sent in the lab captures
// (shared/design/lab-captures/ppp-client.log), on a fake clock. Server-side values (authenticator
// response, MPPE keys) are computed with the server's role flags, so a client that swapped directions
// or skipped verification fails here. The real-server checks are in test/probes/*.test.ts (lab).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PppClient, type PppEvent } from '../../src/pptp/ppp-client.js';
import { decodePpp, encodePpp, PPP } from '../../src/pptp/ppp.js';
import { CP, decodeCp, decodeOptions, encodeCp, type CpPacket } from '../../src/pptp/cp.js';
import {
  generateAuthenticatorResponse,
  generateNtResponse,
  hashNtPasswordHash,
  ntPasswordHash,
} from '../../src/pptp/crypto/mschapv2.js';
import { getAsymmetricStartKey, getMasterKey } from '../../src/pptp/crypto/mppe-keys.js';
import { MppeDecryptor, MppeEncryptor } from '../../src/pptp/mppe.js';
import { buildIcmpEcho, parseIcmpEcho } from '../../src/pptp/ipv4.js';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const CHALLENGE = h('03397cefeacba39ee29e45fa370f4869');
const SERVER_LCP_OPTS = h('02060000000003 05c22381 0506 68843fb7 0702 0802');

function harness(mppe: 'yes' | 'no' = 'yes', password = 'secret') {
  let now = 0;
  const sent: Array<{ protocol: number; info: Buffer }> = [];
  const events: PppEvent[] = [];
  let seed = 1;
  const client = new PppClient(
    {
      user: 'test',
      password,
      mppe: mppe === 'yes' ? { bits: [128], allowStateful: false } : null,
      restartMs: 1000,
      maxConfigure: 4,
      authTimeoutMs: 5000,
      now: () => now,
      random: (n) => Buffer.alloc(n, seed++),
    },
    (frame) => {
      const d = decodePpp(frame);
      assert.ok(d.ok);
      sent.push(d.value);
    },
    (ev) => events.push(ev),
  );
  const take = (protocol: number): CpPacket => {
    const i = sent.findIndex((s) => s.protocol === protocol);
    assert.ok(
      i >= 0,
      `client sent no 0x${protocol.toString(16)} packet; sent ${sent.map((s) => s.protocol.toString(16))}`,
    );
    const [s] = sent.splice(i, 1);
    const d = decodeCp('t', (s as { info: Buffer }).info);
    assert.ok(d.ok);
    return d.value;
  };
  const give = (protocol: number, p: CpPacket) => client.input(encodePpp(protocol, encodeCp(p)));
  const advance = (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      now += 50;
      client.tick();
    }
  };
  return { client, sent, events, take, give, advance, setNow: (n: number) => (now = n) };
}

/** LCP up the way the lab's pppd does it; returns the client's request for inspection. */
function lcpUp(t: ReturnType<typeof harness>): CpPacket {
  t.client.start();
  const req = t.take(PPP.LCP);
  assert.equal(req.code, CP.ConfReq);
  t.give(PPP.LCP, { code: CP.ConfReq, id: 1, data: SERVER_LCP_OPTS });
  const ack = t.take(PPP.LCP);
  assert.equal(ack.code, CP.ConfAck);
  assert.deepEqual(ack.data, SERVER_LCP_OPTS);
  t.give(PPP.LCP, { code: CP.ConfAck, id: req.id, data: req.data });
  assert.ok(t.events.some((e) => e.type === 'stage' && e.stage === 'lcp'));
  return req;
}

function chapResponse(t: ReturnType<typeof harness>) {
  t.give(PPP.CHAP, {
    code: 1,
    id: 6,
    data: Buffer.concat([Buffer.from([16]), CHALLENGE, Buffer.from('pptpd')]),
  });
  const r = t.take(PPP.CHAP);
  assert.equal(r.code, 2);
  assert.equal(r.id, 6);
  const peerChallenge = r.data.subarray(1, 17);
  const nt = r.data.subarray(25, 49);
  assert.equal(r.data.subarray(50).toString(), 'test');
  return { peerChallenge, nt };
}

test('full login against pppd 2.4.9 behaviour: LCP, MS-CHAPv2 verified, CCP MPPE-128, IPCP Nak, MPPE data', () => {
  const t = harness();
  const req = lcpUp(t);
  const ours = decodeOptions('lcp', req.data);
  assert.ok(ours.ok && ours.value.some((o) => o.type === 5));
  const { peerChallenge, nt } = chapResponse(t);
  // The server checks the NT-Response with the password it knows: the client must have used ours.
  assert.deepEqual(nt, generateNtResponse(CHALLENGE, peerChallenge, 'test', 'secret'));
  const s = generateAuthenticatorResponse('secret', nt, peerChallenge, CHALLENGE, 'test');
  t.give(PPP.CHAP, { code: 3, id: 6, data: Buffer.from(`${s} M=Access granted`) });
  assert.ok(t.events.some((e) => e.type === 'stage' && e.stage === 'auth'));
  // CCP: both sides <mppe +H -M +S -L -D -C>; IPCP must wait for CCP (pppd require-mppe-128 behaviour).
  const ccpReq = t.take(PPP.CCP);
  assert.deepEqual(ccpReq.data, h('1206 01000040'));
  assert.equal(
    t.sent.some((x) => x.protocol === PPP.IPCP),
    false,
  );
  t.give(PPP.CCP, { code: CP.ConfReq, id: 1, data: h('1206 01000040') });
  assert.equal(t.take(PPP.CCP).code, CP.ConfAck);
  t.give(PPP.CCP, { code: CP.ConfAck, id: ccpReq.id, data: ccpReq.data });
  // From here IPCP travels MPPE-encrypted (pppd encrypts every protocol below 0xc000 but CCP).
  const master = getMasterKey(hashNtPasswordHash(ntPasswordHash('secret')), nt);
  const serverRecv = new MppeDecryptor(getAsymmetricStartKey(master, 16, false, true), {
    bits: 128,
    stateless: true,
  });
  const serverSend = new MppeEncryptor(getAsymmetricStartKey(master, 16, true, true), {
    bits: 128,
    stateless: true,
  });
  const takeEncrypted = (): { protocol: number; packet: CpPacket | Buffer } => {
    const i = t.sent.findIndex((x) => x.protocol === PPP.MPPE);
    assert.ok(i >= 0, 'no MPPE frame sent');
    const [f] = t.sent.splice(i, 1);
    const d = serverRecv.decrypt((f as { info: Buffer }).info);
    assert.ok(d.ok, d.ok ? '' : d.error.message);
    if (d.value.protocol === PPP.IP) return { protocol: PPP.IP, packet: d.value.payload };
    const cp = decodeCp('t', d.value.payload);
    assert.ok(cp.ok);
    return { protocol: d.value.protocol, packet: cp.value };
  };
  const giveEncrypted = (protocol: number, payload: Buffer) =>
    t.client.input(encodePpp(PPP.MPPE, serverSend.encrypt(protocol, payload)));
  const ipcp1 = takeEncrypted();
  assert.equal(ipcp1.protocol, PPP.IPCP);
  const r1 = ipcp1.packet as CpPacket;
  assert.deepEqual(r1.data, h('0306 00000000'));
  giveEncrypted(PPP.IPCP, encodeCp({ code: CP.ConfNak, id: r1.id, data: h('0306 c0a8d50a') }));
  const r2 = takeEncrypted().packet as CpPacket;
  assert.deepEqual(r2.data, h('0306 c0a8d50a'));
  giveEncrypted(PPP.IPCP, encodeCp({ code: CP.ConfReq, id: 1, data: h('0306 c0a8d501') }));
  assert.equal((takeEncrypted().packet as CpPacket).code, CP.ConfAck);
  giveEncrypted(PPP.IPCP, encodeCp({ code: CP.ConfAck, id: r2.id, data: r2.data }));
  const up = t.events.find((e) => e.type === 'up');
  assert.ok(up && up.type === 'up');
  assert.equal(up.localIp, '192.168.213.10');
  assert.equal(up.remoteIp, '192.168.213.1');
  assert.deepEqual(up.mppe, { bits: 128, stateless: true });
  // Ping through the tunnel: encrypted out, and an encrypted reply comes back as an 'ip' event.
  t.client.sendIp(buildIcmpEcho('192.168.213.10', '192.168.213.1', 1, 1, Buffer.from('x')));
  const ping = takeEncrypted();
  assert.equal(ping.protocol, PPP.IP);
  assert.ok(parseIcmpEcho(ping.packet as Buffer).ok);
  giveEncrypted(PPP.IP, buildIcmpEcho('192.168.213.1', '192.168.213.10', 1, 1, Buffer.from('x')));
  assert.ok(t.events.some((e) => e.type === 'ip'));
  // Unencrypted IP after MPPE is up is dropped, as pppd does.
  const before = t.events.length;
  t.client.input(encodePpp(PPP.IP, buildIcmpEcho('192.168.213.1', '192.168.213.10', 1, 2, Buffer.alloc(0))));
  assert.equal(t.events.length, before);
  // Clean shutdown: LCP Terminate-Request, then closed on Terminate-Ack.
  t.client.terminate();
  const term = t.take(PPP.LCP);
  assert.equal(term.code, CP.TermReq);
  t.give(PPP.LCP, { code: CP.TermAck, id: term.id, data: Buffer.alloc(0) });
  assert.ok(t.events.some((e) => e.type === 'closed'));
});

test('a Success with a wrong authenticator response is refused (rogue server)', () => {
  const t = harness();
  lcpUp(t);
  chapResponse(t);
  t.give(PPP.CHAP, {
    code: 3,
    id: 6,
    data: Buffer.from('S=D2995CE87BDB8B41B6201541E621683B390BD1BD M=Access granted'),
  });
  const f = t.events.find((e) => e.type === 'failed');
  assert.ok(f && f.type === 'failed');
  assert.deepEqual([f.failure.stage, f.failure.reason], ['auth', 'bad_authenticator']);
  assert.equal(t.take(PPP.LCP).code, CP.TermReq);
});

test('E=691 -> auth/bad_password; empty Failure -> unknown_user; the password never appears in details', () => {
  for (const [text, reason] of [
    ['E=691 R=1 C=1373a452d03375381dbfff22b2fb8dbf V=0 M=Access denied', 'bad_password'],
    ['', 'unknown_user'],
  ] as const) {
    const t = harness('yes', 'hunter2');
    lcpUp(t);
    chapResponse(t);
    t.give(PPP.CHAP, { code: 4, id: 6, data: Buffer.from(text) });
    const f = t.events.find((e) => e.type === 'failed');
    assert.ok(f && f.type === 'failed');
    assert.deepEqual([f.failure.stage, f.failure.reason], ['auth', reason]);
    assert.equal(JSON.stringify(t.events).includes('hunter2'), false);
    const term = t.take(PPP.LCP);
    assert.equal(term.code, CP.TermReq);
  }
});

test('no MPPE offered vs require-mppe-128: empty CCP request, server MPPE rejected, ccp/mppe_refused', () => {
  const t = harness('no');
  lcpUp(t);
  const { peerChallenge, nt } = chapResponse(t);
  const s = generateAuthenticatorResponse('secret', nt, peerChallenge, CHALLENGE, 'test');
  t.give(PPP.CHAP, { code: 3, id: 6, data: Buffer.from(`${s} M=Access granted`) });
  const ccpReq = t.take(PPP.CCP);
  assert.equal(ccpReq.data.length, 0);
  assert.equal(t.take(PPP.IPCP).code, CP.ConfReq);
  t.give(PPP.CCP, { code: CP.ConfReq, id: 1, data: h('1206 01000040') });
  assert.equal(t.take(PPP.CCP).code, CP.ConfRej);
  t.give(PPP.LCP, { code: CP.TermReq, id: 2, data: Buffer.from('MPPE required but peer refused') });
  assert.equal(t.take(PPP.LCP).code, CP.TermAck);
  const f = t.events.find((e) => e.type === 'failed');
  assert.ok(f && f.type === 'failed');
  assert.deepEqual([f.failure.stage, f.failure.reason], ['ccp', 'mppe_refused']);
});

test("LCP: silence -> Max-Configure retransmissions then lcp/timeout; PAP is Nak'd with MS-CHAPv2", () => {
  const t = harness();
  t.client.start();
  t.advance(5000);
  assert.equal(t.sent.filter((s) => s.protocol === PPP.LCP).length, 4);
  const f = t.events.find((e) => e.type === 'failed');
  assert.ok(f && f.type === 'failed');
  assert.deepEqual([f.failure.stage, f.failure.reason], ['lcp', 'timeout']);

  const u = harness();
  u.client.start();
  u.take(PPP.LCP);
  u.give(PPP.LCP, { code: CP.ConfReq, id: 9, data: h('0304c023 0506 11223344') });
  const nak = u.take(PPP.LCP);
  assert.equal(nak.code, CP.ConfNak);
  assert.deepEqual(nak.data, h('0305c22381'));
  u.give(PPP.LCP, { code: CP.ConfReq, id: 10, data: h('0306 0000 0000 1104 05dc') });
  const rej = u.take(PPP.LCP);
  assert.equal(rej.code, CP.ConfRej); // unknown option 0 and MRRU (17) rejected
});

test('echo: server Echo-Requests are answered with our magic; our echoes time their replies', () => {
  const t = harness();
  const req = lcpUp(t);
  const magic = req.data.readUInt32BE(2);
  t.give(PPP.LCP, { code: CP.EchoReq, id: 0, data: h('68843fb7') });
  const rep = t.take(PPP.LCP);
  assert.equal(rep.code, CP.EchoRep);
  assert.equal(rep.data.readUInt32BE(0), magic);
  const id = t.client.sendEcho(100);
  const er = t.take(PPP.LCP);
  assert.equal(er.data.length, 104);
  t.advance(150);
  t.give(PPP.LCP, { code: CP.EchoRep, id, data: h('68843fb7') });
  const ev = t.events.find((e) => e.type === 'echo-reply');
  assert.ok(ev && ev.type === 'echo-reply' && ev.rttMs === 150);
  // An unknown protocol (pppd's IPV6CP) gets an LCP Protocol-Reject.
  t.client.input(encodePpp(PPP.IPV6CP, h('0101000e 010a 1122334455667788')));
  const pr = t.take(PPP.LCP);
  assert.equal(pr.code, CP.ProtRej);
  assert.equal(pr.data.readUInt16BE(0), PPP.IPV6CP);
});
