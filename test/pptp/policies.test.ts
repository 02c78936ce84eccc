// Option policies of the PPP client, option by option: what the client accepts, Naks or Rejects from a
// server's Configure-Request, and how it adapts to the server's Naks and Rejects (RFC 1661 §5.3-5.4,
// RFC 1332 + RFC 1877 for IPCP, RFC 3078 §2.1 for CCP/MPPE). Option bytes as pppd 2.4.9 sends them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CcpPolicy, CCP_OPT_MPPE, encodeMppeBits } from '../../src/pptp/ccp.js';
import { IpcpPolicy, IPCP_OPT } from '../../src/pptp/ipcp.js';
import { LcpPolicy, LCP_OPT } from '../../src/pptp/lcp.js';
import { CpFsm } from '../../src/pptp/fsm.js';
import { CP, encodeOptions } from '../../src/pptp/cp.js';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const mppe = (bits: Array<40 | 56 | 128>, stateless = true) => ({
  type: CCP_OPT_MPPE,
  data: encodeMppeBits({ bits, stateless }),
});

test('CCP: picks the strongest common MPPE strength, Naks multi-strength offers, refuses what it cannot do', () => {
  const p = new CcpPolicy({ bits: [128, 56, 40], allowStateful: false });
  assert.deepEqual(p.ours(), [mppe([128])]);
  assert.deepEqual(p.judge(mppe([128])), { verdict: 'ack' });
  assert.deepEqual(p.judge(mppe([128, 56, 40])), {
    verdict: 'nak',
    data: encodeMppeBits({ bits: [128], stateless: true }),
  });
  // Stateful offered but not allowed: Nak towards stateless (pppd's default is stateless too).
  assert.deepEqual(p.judge(mppe([128], false)), {
    verdict: 'nak',
    data: encodeMppeBits({ bits: [128], stateless: true }),
  });
  assert.deepEqual(p.judge({ type: 21, data: h('0106') }), { verdict: 'reject' }); // BSD-Compress
  // Server Naks our 128 down to 40: accepted (we allow 40) and asked again.
  assert.equal(p.onNak(mppe([40])), true);
  assert.deepEqual(p.ours(), [mppe([40])]);
  const strict = new CcpPolicy({ bits: [128], allowStateful: false });
  assert.equal(strict.onNak(mppe([40])), false);
  assert.match(String(strict.refusal), /server wants MPPE 40/);
  assert.equal(strict.onReject(mppe([128])), false);
  assert.equal(strict.refusal, 'server rejected MPPE');
  const none = new CcpPolicy(null);
  assert.deepEqual(none.ours(), []);
  assert.deepEqual(none.judge(mppe([128])), { verdict: 'reject' });
});

test('IPCP: address from the Nak, server address acked, VJ rejected, DNS asked and dropped when rejected', () => {
  const p = new IpcpPolicy(true);
  assert.deepEqual(
    p.ours().map((o) => o.type),
    [IPCP_OPT.ADDRESS, IPCP_OPT.DNS1, IPCP_OPT.DNS2],
  );
  assert.deepEqual(p.judge({ type: IPCP_OPT.ADDRESS, data: h('0a4e0001') }), { verdict: 'ack' });
  assert.deepEqual(p.judge({ type: IPCP_OPT.ADDRESS, data: h('00000000') }), { verdict: 'reject' });
  assert.deepEqual(p.judge({ type: IPCP_OPT.COMPRESSION, data: h('002d0f01') }), { verdict: 'reject' });
  assert.equal(p.onNak({ type: IPCP_OPT.ADDRESS, data: h('0a4e0064') }), true);
  assert.equal(p.onNak({ type: IPCP_OPT.DNS1, data: h('0a4e0001') }), true);
  assert.equal(p.onReject({ type: IPCP_OPT.DNS2, data: h('00000000') }), true);
  assert.deepEqual(p.ours(), [
    { type: IPCP_OPT.ADDRESS, data: h('0a4e0064') },
    { type: IPCP_OPT.DNS1, data: h('0a4e0001') },
  ]);
  assert.equal(p.onReject({ type: IPCP_OPT.ADDRESS, data: h('00000000') }), false);
});

test("LCP: MRU sanity, looped-back magic Nak'd, our MRU dropped when rejected", () => {
  let n = 0x11111111;
  const p = new LcpPolicy(() => (n += 0x01010101), 1400);
  assert.deepEqual(p.judge({ type: LCP_OPT.MRU, data: h('05dc') }), { verdict: 'ack' });
  assert.equal(p.judge({ type: LCP_OPT.MRU, data: h('0010') }).verdict, 'nak');
  const mine = Buffer.alloc(4);
  mine.writeUInt32BE(p.magic, 0);
  assert.equal(p.judge({ type: LCP_OPT.MAGIC, data: mine }).verdict, 'nak');
  assert.equal(p.judge({ type: LCP_OPT.MAGIC, data: h('00000000') }).verdict, 'nak');
  assert.equal(p.onReject({ type: LCP_OPT.MRU, data: h('0578') }), true);
  assert.deepEqual(
    p.ours().map((o) => o.type),
    [LCP_OPT.MAGIC],
  );
});

test('FSM: Max-Failure turns endless Naks into a Reject (RFC 1661 §4.6), crossed requests open', () => {
  const policy = new LcpPolicy(() => 0x12345678);
  const fsm = new CpFsm('lcp', policy);
  const first = fsm.open().send[0];
  assert.ok(first);
  const papReq = { code: CP.ConfReq, id: 1, data: encodeOptions([{ type: LCP_OPT.AUTH, data: h('c023') }]) };
  const codes: number[] = [];
  for (let i = 0; i < 7; i++) codes.push(fsm.input({ ...papReq, id: i }).send[0]?.code ?? -1);
  assert.deepEqual(codes, [
    CP.ConfNak,
    CP.ConfNak,
    CP.ConfNak,
    CP.ConfNak,
    CP.ConfNak,
    CP.ConfRej,
    CP.ConfRej,
  ]);
  // Server stops asking for PAP: acked; then it acks ours -> opened.
  const plain = fsm.input({
    code: CP.ConfReq,
    id: 9,
    data: encodeOptions([{ type: LCP_OPT.MAGIC, data: h('0badcafe') }]),
  });
  assert.equal(plain.send[0]?.code, CP.ConfAck);
  const opened = fsm.input({ code: CP.ConfAck, id: first.id, data: first.data });
  assert.deepEqual(opened.events, [{ type: 'opened' }]);
  assert.equal(fsm.state, 'opened');
  // An ack with a stale id is ignored (RFC 1661 §5.2: the Identifier must match).
  assert.deepEqual(fsm.input({ code: CP.ConfAck, id: 200, data: first.data }).events, []);
});
