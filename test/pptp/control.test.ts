// RFC 2637 control codec: layouts against the RFC's fixed lengths, byte-exact vectors built from the RFC
// figures, every decode error, and the stream framer with split/merged reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CTRL,
  CTRL_LENGTHS,
  ControlFramer,
  buildCdn,
  buildEchoRequest,
  buildOcrq,
  buildSccrq,
  buildSli,
  decodeControl,
  encodeControl,
  layoutLength,
  printable,
  type ControlMessage,
  type CtrlType,
} from '../../src/pptp/control.js';

/** Writes a header the way RFC 2637 2.x draws it: Length, Message Type 1, Magic, Type, Reserved0. */
function header(length: number, type: number): number[] {
  return [length >> 8, length & 0xff, 0, 1, 0x1a, 0x2b, 0x3c, 0x4d, type >> 8, type & 0xff, 0, 0];
}

function padString(s: string, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (let i = 0; i < s.length && i < size; i++) out[i] = s.charCodeAt(i);
  return out;
}

test('every layout adds up to the fixed length RFC 2637 gives for the message', () => {
  for (let t = 1; t <= 15; t++) {
    assert.equal(layoutLength(t as CtrlType), CTRL_LENGTHS[t as CtrlType], `type ${t}`);
  }
  // Spot values straight from the RFC figures.
  assert.equal(CTRL_LENGTHS[CTRL.StartControlConnectionRequest], 156);
  assert.equal(CTRL_LENGTHS[CTRL.OutgoingCallRequest], 168);
  assert.equal(CTRL_LENGTHS[CTRL.CallDisconnectNotify], 148);
  assert.equal(CTRL_LENGTHS[CTRL.SetLinkInfo], 24);
});

test('SCCRQ encodes byte for byte as RFC 2637 2.1 lays it out', () => {
  const msg = buildSccrq({ hostname: 'probe', vendor: 'acme', maxChannels: 10, firmwareRevision: 0x0203 });
  const expected = Buffer.from([
    ...header(156, 1),
    0x01, 0x00, // Protocol Version 1.0
    0, 0, // Reserved1
    0, 0, 0, 3, // Framing Capabilities: async | sync
    0, 0, 0, 3, // Bearer Capabilities: analog | digital
    0, 10, // Maximum Channels
    0x02, 0x03, // Firmware Revision
    ...padString('probe', 64),
    ...padString('acme', 64),
  ]); // prettier-ignore
  assert.deepEqual(encodeControl(msg), expected);
  const back = decodeControl(expected);
  assert.ok(back.ok);
  assert.deepEqual(back.message, msg);
});

test('SCCRP as pptpd sends it decodes into its fields', () => {
  const bytes = Buffer.from([
    ...header(156, 2),
    0x01, 0x00, 1, 0, // version, Result Code 1, Error Code 0
    0, 0, 0, 1, 0, 0, 0, 1, // framing async, bearer analog
    0, 1, 0, 1, // max channels 1, firmware 1
    ...padString('local', 64),
    ...padString('linux', 64),
  ]); // prettier-ignore
  const r = decodeControl(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.message, {
    type: 2,
    protocolVersion: 0x100,
    resultCode: 1,
    errorCode: 0,
    framingCaps: 1,
    bearerCaps: 1,
    maxChannels: 1,
    firmwareRevision: 1,
    hostname: 'local',
    vendor: 'linux',
  });
});

test('OCRP (RFC 2637 2.8) decodes Call ID and Peer Call ID from the right offsets', () => {
  const bytes = Buffer.from([
    ...header(32, 8),
    0x12, 0x34, 0x00, 0x07, // Call ID 0x1234, Peer's Call ID 7
    1, 0, 0, 0, // Result 1, Error 0, Cause 0
    0, 0, 0xfa, 0, // Connect Speed 64000
    0, 64, 0, 0, // window 64, delay 0
    0, 0, 0, 9, // physical channel 9
  ]); // prettier-ignore
  const r = decodeControl(bytes);
  assert.ok(r.ok && r.message.type === CTRL.OutgoingCallReply);
  if (r.message.type !== CTRL.OutgoingCallReply) return;
  assert.equal(r.message.callId, 0x1234);
  assert.equal(r.message.peerCallId, 7);
  assert.equal(r.message.connectSpeed, 64000);
  assert.equal(r.message.recvWindow, 64);
  assert.equal(r.message.physicalChannelId, 9);
});

test('every message type round-trips', () => {
  const msgs: ControlMessage[] = [
    buildSccrq(),
    { type: 2, protocolVersion: 256, resultCode: 1, errorCode: 0, framingCaps: 3, bearerCaps: 3, maxChannels: 5, firmwareRevision: 1, hostname: 'h', vendor: 'v' },
    { type: 3, reason: 3 },
    { type: 4, resultCode: 1, errorCode: 0 },
    buildEchoRequest(0xdeadbeef),
    { type: 6, identifier: 42, resultCode: 1, errorCode: 0 },
    buildOcrq({ callId: 9, phoneNumber: '555' }),
    { type: 8, callId: 1, peerCallId: 2, resultCode: 1, errorCode: 0, causeCode: 0, connectSpeed: 100, recvWindow: 10, processingDelay: 0, physicalChannelId: 0 },
    { type: 9, callId: 1, callSerial: 2, bearerType: 1, physicalChannelId: 3, dialedNumberLength: 1, dialingNumberLength: 1, dialedNumber: '1', dialingNumber: '2', subaddress: 'x' },
    { type: 10, callId: 1, peerCallId: 2, resultCode: 1, errorCode: 0, recvWindow: 3, transmitDelay: 4 },
    { type: 11, peerCallId: 1, connectSpeed: 2, recvWindow: 3, transmitDelay: 4, framingType: 1 },
    { type: 12, callId: 77 },
    buildCdn(77, 4, 0, 0, 'stats'),
    { type: 14, peerCallId: 1, crcErrors: 2, framingErrors: 3, hardwareOverruns: 4, bufferOverruns: 5, timeoutErrors: 6, alignmentErrors: 7 },
    buildSli(5),
  ]; // prettier-ignore
  for (const m of msgs) {
    const wire = encodeControl(m);
    assert.equal(wire.length, CTRL_LENGTHS[m.type]);
    const back = decodeControl(wire);
    assert.ok(back.ok, `type ${m.type}`);
    assert.deepEqual(back.message, m);
  }
  const ocrq = buildOcrq({ callId: 9, phoneNumber: '555' });
  assert.equal(ocrq.phoneNumberLength, 3);
});

test('decoder returns a typed error for each kind of bad input', () => {
  const good = encodeControl(buildEchoRequest(1));
  const cases: Array<[string, Buffer, string]> = [
    ['empty', Buffer.alloc(0), 'truncated'],
    ['short header', good.subarray(0, 7), 'truncated'],
    ['body cut', Buffer.concat([encodeControl(buildSccrq()).subarray(0, 100)]), 'truncated'],
    ['length below header', Buffer.from([0, 4, ...good.subarray(2)]), 'bad_length'],
    ['oversized', Buffer.from([0xff, 0xff, ...good.subarray(2)]), 'oversized'],
    ['management type', Buffer.from([0, 16, 0, 2, ...good.subarray(4)]), 'bad_message_type'],
    [
      'wrong magic',
      Buffer.from([...good.subarray(0, 4), 0xde, 0xad, 0xbe, 0xef, ...good.subarray(8)]),
      'bad_magic',
    ],
    ['unknown type', Buffer.from([...good.subarray(0, 8), 0, 99, ...good.subarray(10)]), 'unknown_type'],
    ['type 0', Buffer.from([...good.subarray(0, 8), 0, 0, ...good.subarray(10)]), 'unknown_type'],
    ['wrong length for type', Buffer.from([0, 20, ...good.subarray(2), 0, 0, 0, 0]), 'bad_length'],
    ['trailing bytes', Buffer.concat([good, Buffer.from([1])]), 'bad_length'],
  ];
  for (const [name, buf, code] of cases) {
    const r = decodeControl(buf);
    assert.equal(r.ok, false, name);
    if (!r.ok) {
      assert.equal(r.error.code, code, name);
      assert.ok(r.error.message.length > 0);
    }
  }
});

test('framer reassembles messages split byte by byte and separates merged ones', () => {
  const a = encodeControl(buildSccrq());
  const b = encodeControl(buildEchoRequest(5));
  const c = encodeControl(buildSli(3));
  const stream = Buffer.concat([a, b, c]);
  const f1 = new ControlFramer();
  const got1: number[] = [];
  for (const byte of stream)
    for (const item of f1.push(Buffer.from([byte]))) got1.push(item.ok ? item.message.type : -1);
  assert.deepEqual(got1, [1, 5, 15]);
  assert.equal(f1.buffered, 0);
  const f2 = new ControlFramer();
  const got2 = f2.push(stream).map((i) => (i.ok ? i.message.type : -1));
  assert.deepEqual(got2, [1, 5, 15]);
  // Split in the middle of a header and of a body.
  const f3 = new ControlFramer();
  const got3 = [
    ...f3.push(stream.subarray(0, 5)),
    ...f3.push(stream.subarray(5, 160)),
    ...f3.push(stream.subarray(160)),
  ];
  assert.deepEqual(
    got3.map((i) => (i.ok ? i.message.type : -1)),
    [1, 5, 15],
  );
});

test('framer stops at a bad header and refuses further input; buffers at most one message', () => {
  const f = new ControlFramer();
  const bad = Buffer.from(encodeControl(buildEchoRequest(1)));
  bad.writeUInt32BE(0x11223344, 4);
  const out = f.push(
    Buffer.concat([encodeControl(buildEchoRequest(2)), bad, encodeControl(buildEchoRequest(3))]),
  );
  assert.equal(out.length, 2);
  assert.ok(out[0]?.ok);
  assert.equal(out[1]?.ok, false);
  assert.equal(f.failed?.code, 'bad_magic');
  assert.deepEqual(f.push(encodeControl(buildEchoRequest(4))), []);
  // Impossible length is caught from the first two bytes, before the header completes.
  const g = new ControlFramer();
  const early = g.push(Buffer.from([0, 3, 0]));
  assert.equal(early[0]?.ok, false);
  // A header announcing 60000 bytes is rejected at once, not buffered.
  const h = new ControlFramer();
  const big = Buffer.from(encodeControl(buildEchoRequest(1)));
  big.writeUInt16BE(60000, 0);
  assert.equal(h.push(big)[0]?.ok, false);
  assert.equal(h.buffered, 0);
});

test('printable escapes control bytes and caps length', () => {
  assert.equal(printable('ok-name'), 'ok-name');
  assert.equal(printable('a\x1b[31mb\n'), 'a\\x1b[31mb\\x0a');
  assert.equal(printable('x'.repeat(200)).length, 64);
});
