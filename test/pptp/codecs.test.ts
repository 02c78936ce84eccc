// Encode/decode of enhanced GRE (RFC 2637 §4.1), PPP framing (RFC 1661 §6.5/6.6), control-protocol
// packets and options, CHAP/MS-CHAPv2 messages (RFC 2759 §5/§6, texts as the lab's pppd 2.4.9 sent
// them), CCP MPPE bits (as pppd prints `<mppe +H -M +S -L -D -C>`), IPv4/ICMP, and MPPE data packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGre, encodeGre, seqAfter } from '../../src/pptp/gre.js';
import { GreLink } from '../../src/pptp/gre-link.js';
import { decodePpp, encodePpp, PPP } from '../../src/pptp/ppp.js';
import { CP, decodeCp, decodeOptions, encodeCp, encodeOptions } from '../../src/pptp/cp.js';
import {
  decodeChallenge,
  encodeResponse,
  failureReason,
  parseFailure,
  parseSuccess,
} from '../../src/pptp/chap.js';
import { decodeMppeBits, describeMppe, encodeMppeBits } from '../../src/pptp/ccp.js';
import { buildIcmpEcho, inetChecksum, parseIcmpEcho } from '../../src/pptp/ipv4.js';
import { MppeDecryptor, MppeEncryptor } from '../../src/pptp/mppe.js';
import { getAsymmetricStartKey } from '../../src/pptp/crypto/mppe-keys.js';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('GRE: header layout with seq+ack, ack-only, call ID 0 (pptpd hands out 0 first)', () => {
  const p = encodeGre({ callId: 0, seq: 5, ack: 7, payload: Buffer.from([0xff, 0x03]) });
  assert.deepEqual(p, h('3081 880b 0002 0000 00000005 00000007 ff03'));
  const d = decodeGre(p);
  assert.ok(d.ok);
  assert.deepEqual(d.value, { callId: 0, seq: 5, ack: 7, payload: Buffer.from([0xff, 0x03]) });
  const ackOnly = encodeGre({ callId: 0x1234, ack: 9, payload: Buffer.alloc(0) });
  assert.deepEqual(ackOnly, h('2081 880b 0000 1234 00000009'));
  assert.throws(() => encodeGre({ callId: 1, payload: Buffer.from([1]) }), RangeError);
});

test('GRE: rejects wrong version, protocol, flags, lengths', () => {
  const good = encodeGre({ callId: 1, seq: 1, payload: Buffer.from('abcd') });
  const bad = (mut: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    mut(b);
    const d = decodeGre(b);
    assert.equal(d.ok, false);
    return d.ok ? '' : d.error.message;
  };
  assert.match(
    bad((b) => b.writeUInt8(0x00, 1)),
    /version 0/,
  );
  assert.match(
    bad((b) => b.writeUInt16BE(0x0800, 2)),
    /protocol 0x800/,
  );
  assert.match(
    bad((b) => b.writeUInt8(0x30 | 0x80, 0)),
    /reserved flags/,
  );
  assert.match(
    bad((b) => b.writeUInt16BE(99, 4)),
    /payload length 99/,
  );
  assert.equal(decodeGre(good.subarray(0, 10)).ok, false);
  assert.equal(seqAfter(0, 0xffffffff), true);
  assert.equal(seqAfter(5, 6), false);
});

test('GreLink: acks what it received, drops reordered packets, checks the call ID', () => {
  const link = new GreLink(77, 5);
  assert.equal(link.ackOnly(), undefined);
  const first = decodeGre(link.wrap(Buffer.from('x')));
  assert.ok(first.ok && first.value.seq === 0 && first.value.ack === undefined && first.value.callId === 77);
  const got = link.unwrap(encodeGre({ callId: 5, seq: 10, payload: Buffer.from('y') }));
  assert.ok(got.ok && got.value?.toString() === 'y');
  // Our own packet looped back (server on this host): ignored, not an error, not counted.
  const own = link.unwrap(encodeGre({ callId: 77, seq: 3, payload: Buffer.from('o') }));
  assert.ok(own.ok && own.value === null);
  assert.equal(link.unwrap(encodeGre({ callId: 5, seq: 9, payload: Buffer.from('z') })).ok, false);
  assert.equal(link.unwrap(encodeGre({ callId: 6, seq: 11, payload: Buffer.from('z') })).ok, false);
  const ack = decodeGre(link.ackOnly() ?? Buffer.alloc(0));
  assert.ok(ack.ok && ack.value.ack === 10 && ack.value.seq === undefined);
  assert.equal(link.ackOnly(), undefined);
  const second = decodeGre(link.wrap(Buffer.from('w')));
  assert.ok(second.ok && second.value.seq === 1 && second.value.ack === 10);
  // Rewind only the last sequence number (a packet known to be dropped), never an older one.
  assert.equal(link.rewind(0), false);
  assert.equal(link.rewind(1), true);
  assert.equal(link.nextSeq, 1);
  const again = decodeGre(link.wrap(Buffer.from('v')));
  assert.ok(again.ok && again.value.seq === 1);
});

test('PPP: full, ACFC-compressed and PFC-compressed frames decode alike', () => {
  assert.deepEqual(encodePpp(PPP.LCP, Buffer.from([1])), h('ff03c02101'));
  for (const f of [h('ff03002145'), h('002145'), h('2145'), h('ff032145')]) {
    const d = decodePpp(f);
    assert.ok(d.ok, f.toString('hex'));
    assert.equal(d.value.protocol, 0x21);
    assert.deepEqual(d.value.info, h('45'));
  }
  assert.equal(decodePpp(h('ff03')).ok, false);
  assert.equal(decodePpp(h('c0')).ok, false);
  assert.equal(decodePpp(h('c020')).ok, false); // even protocol number is invalid
});

test('control-protocol packets and options: round trip, padding ignored, bad lengths rejected', () => {
  // pppd's server ConfReq from lab-captures/ppp-client.log: asyncmap 0, auth chap MS-v2, magic, pcomp, accomp
  const opts = h('02060000000003 05c22381 0506 68843fb7 0702 0802');
  const d = decodeOptions('lcp', opts);
  assert.ok(d.ok);
  assert.deepEqual(
    d.value.map((o) => o.type),
    [2, 3, 5, 7, 8],
  );
  assert.deepEqual(encodeOptions(d.value), opts);
  const pkt = encodeCp({ code: CP.ConfReq, id: 1, data: opts });
  const padded = Buffer.concat([pkt, Buffer.alloc(6)]);
  const back = decodeCp('lcp', padded);
  assert.ok(back.ok && back.value.data.equals(opts));
  assert.equal(decodeCp('lcp', pkt.subarray(0, pkt.length - 1)).ok, false);
  assert.equal(decodeOptions('lcp', h('0501')).ok, false);
  assert.equal(decodeOptions('lcp', h('0506aabb')).ok, false);
});

test('CHAP/MS-CHAPv2: challenge, 49-byte response, success and failure texts', () => {
  const c = decodeChallenge(
    6,
    Buffer.concat([h('10 03397cefeacba39ee29e45fa370f4869'), Buffer.from('pptpd')]),
  );
  assert.ok(c.ok && c.value.name === 'pptpd' && c.value.challenge.length === 16);
  assert.equal(decodeChallenge(6, h('08 0011223344556677')).ok, false);
  assert.equal(decodeChallenge(6, h('10 00')).ok, false);
  const r = encodeResponse(Buffer.alloc(16, 1), Buffer.alloc(24, 2), 'test');
  assert.equal(r.readUInt8(0), 49);
  assert.equal(r.subarray(50).toString(), 'test');
  assert.deepEqual(r.subarray(17, 25), Buffer.alloc(8));
  assert.deepEqual(parseSuccess('S=D2995CE87BDB8B41B6201541E621683B390BD1BD M=Access granted'), {
    authResponse: 'S=D2995CE87BDB8B41B6201541E621683B390BD1BD',
    message: 'Access granted',
  });
  assert.equal(parseSuccess('M=hello').authResponse, undefined);
  const f = parseFailure('E=691 R=1 C=1373a452d03375381dbfff22b2fb8dbf V=0 M=Access denied');
  assert.deepEqual(f, {
    error: 691,
    retry: true,
    challenge: '1373a452d03375381dbfff22b2fb8dbf',
    version: 0,
    message: 'Access denied',
  });
  assert.equal(failureReason(f), 'bad_password');
  assert.equal(failureReason(parseFailure('')), 'unknown_user');
  assert.equal(failureReason(parseFailure('E=648 R=0 V=3')), 'password_expired');
  assert.equal(failureReason(parseFailure('garbage')), 'rejected');
});

test('CCP MPPE supported bits as pppd prints them', () => {
  // <mppe +H -M +S -L -D -C> = stateless 128-bit
  assert.deepEqual(encodeMppeBits({ bits: [128], stateless: true }), h('01000040'));
  assert.deepEqual(decodeMppeBits(h('01000040')), { bits: [128], stateless: true, mppc: false });
  assert.deepEqual(decodeMppeBits(h('000000e1')), { bits: [128, 56, 40], stateless: false, mppc: true });
  assert.equal(decodeMppeBits(h('0100')), undefined);
  assert.equal(describeMppe({ bits: 128, stateless: true }), '128 stateless');
});

test('IPv4/ICMP echo: checksums verify, replies parse, corruption is caught', () => {
  const p = buildIcmpEcho('192.168.213.10', '192.168.213.1', 0x1234, 7, Buffer.from('hi'));
  assert.equal(inetChecksum(p.subarray(0, 20)), 0);
  const d = parseIcmpEcho(p);
  assert.ok(d.ok);
  assert.deepEqual(
    [d.value.src, d.value.dst, d.value.type, d.value.id, d.value.seq],
    ['192.168.213.10', '192.168.213.1', 8, 0x1234, 7],
  );
  const bad = Buffer.from(p);
  bad.writeUInt8(bad.readUInt8(25) ^ 0xff, 25);
  assert.equal(parseIcmpEcho(bad).ok, false);
  assert.throws(() => buildIcmpEcho('x', '1.2.3.4', 1, 1, Buffer.alloc(0)), RangeError);
});

test('MPPE: client->server and server->client directions interoperate, all strengths, both modes', () => {
  for (const bits of [40, 56, 128] as const) {
    for (const stateless of [true, false]) {
      const len = bits === 128 ? 16 : 8;
      const master = Buffer.alloc(16, 0x42);
      // Client send = Magic2 (isSend, !isServer); the server receives with Magic2 too (!isSend, isServer).
      const clientSend = getAsymmetricStartKey(master, len, true, false);
      const serverRecv = getAsymmetricStartKey(master, len, false, true);
      assert.deepEqual(clientSend, serverRecv);
      const enc = new MppeEncryptor(clientSend, { bits, stateless });
      const dec = new MppeDecryptor(serverRecv, { bits, stateless });
      for (let i = 0; i < 600; i++) {
        const payload = Buffer.from(`packet ${i} ${bits} ${stateless}`);
        const wire = enc.encrypt(PPP.IP, payload);
        assert.equal(wire.readUInt16BE(0) & 0x0fff, i % 4096);
        assert.notDeepEqual(wire.subarray(4), payload.subarray(2));
        const out = dec.decrypt(wire);
        assert.ok(out.ok, `${bits} ${stateless} #${i}: ${out.ok ? '' : out.error.message}`);
        assert.equal(out.value.protocol, PPP.IP);
        assert.deepEqual(out.value.payload, payload);
        // Stateful: only flag packets (count & 0xff == 0xff) carry the flushed bit.
        if (!stateless) assert.equal(out.value.flushed, (i & 0xff) === 0xff);
      }
    }
  }
});

test('MPPE stateless: lost packets are skipped over by rekeying; stateful: loss enters discard until flushed', () => {
  const key = Buffer.alloc(16, 7);
  const enc = new MppeEncryptor(key, { bits: 128, stateless: true });
  const dec = new MppeDecryptor(key, { bits: 128, stateless: true });
  enc.encrypt(PPP.IP, Buffer.from('lost 0'));
  enc.encrypt(PPP.IP, Buffer.from('lost 1'));
  const third = dec.decrypt(enc.encrypt(PPP.IP, Buffer.from('third')));
  assert.ok(third.ok && third.value.payload.toString() === 'third');
  const sEnc = new MppeEncryptor(key, { bits: 128, stateless: false });
  const sDec = new MppeDecryptor(key, { bits: 128, stateless: false });
  sEnc.encrypt(PPP.IP, Buffer.from('lost'));
  assert.equal(sDec.decrypt(sEnc.encrypt(PPP.IP, Buffer.from('after loss'))).ok, false);
  assert.equal(sDec.discarding, true);
  sEnc.requestFlush(); // what a CCP Reset-Request makes the sender do
  const flushed = sDec.decrypt(sEnc.encrypt(PPP.IP, Buffer.from('resynced')));
  assert.ok(flushed.ok && flushed.value.payload.toString() === 'resynced');
  assert.equal(new MppeDecryptor(key, { bits: 128, stateless: true }).decrypt(h('0000aaaa')).ok, false);
});
