/**
 * The wire layout of each PPTP control message body (RFC 2637 section 2), one table in the RFC's figure
 * order: the only place byte offsets live. codec.ts reads it to encode and decode.
 */
import { HEADER_LENGTH, type CtrlType } from './codes.js';

export type FieldKind = 'u8' | 'u16' | 'u32' | 'pad1' | 'pad2' | 's64' | 's128';
export type Field = readonly [name: string, kind: FieldKind];

/** Body layouts (after the 12-byte header), in RFC 2637 figure order. */
export const LAYOUTS: Readonly<Record<CtrlType, readonly Field[]>> = {
  // 2.1 Start-Control-Connection-Request
  1: [
    ['protocolVersion', 'u16'],
    ['', 'pad2'],
    ['framingCaps', 'u32'],
    ['bearerCaps', 'u32'],
    ['maxChannels', 'u16'],
    ['firmwareRevision', 'u16'],
    ['hostname', 's64'],
    ['vendor', 's64'],
  ],
  // 2.2 Start-Control-Connection-Reply
  2: [
    ['protocolVersion', 'u16'],
    ['resultCode', 'u8'],
    ['errorCode', 'u8'],
    ['framingCaps', 'u32'],
    ['bearerCaps', 'u32'],
    ['maxChannels', 'u16'],
    ['firmwareRevision', 'u16'],
    ['hostname', 's64'],
    ['vendor', 's64'],
  ],
  // 2.3 Stop-Control-Connection-Request
  3: [
    ['reason', 'u8'],
    ['', 'pad1'],
    ['', 'pad2'],
  ],
  // 2.4 Stop-Control-Connection-Reply
  4: [
    ['resultCode', 'u8'],
    ['errorCode', 'u8'],
    ['', 'pad2'],
  ],
  // 2.5 Echo-Request
  5: [['identifier', 'u32']],
  // 2.6 Echo-Reply
  6: [
    ['identifier', 'u32'],
    ['resultCode', 'u8'],
    ['errorCode', 'u8'],
    ['', 'pad2'],
  ],
  // 2.7 Outgoing-Call-Request
  7: [
    ['callId', 'u16'],
    ['callSerial', 'u16'],
    ['minBps', 'u32'],
    ['maxBps', 'u32'],
    ['bearerType', 'u32'],
    ['framingType', 'u32'],
    ['recvWindow', 'u16'],
    ['processingDelay', 'u16'],
    ['phoneNumberLength', 'u16'],
    ['', 'pad2'],
    ['phoneNumber', 's64'],
    ['subaddress', 's64'],
  ],
  // 2.8 Outgoing-Call-Reply
  8: [
    ['callId', 'u16'],
    ['peerCallId', 'u16'],
    ['resultCode', 'u8'],
    ['errorCode', 'u8'],
    ['causeCode', 'u16'],
    ['connectSpeed', 'u32'],
    ['recvWindow', 'u16'],
    ['processingDelay', 'u16'],
    ['physicalChannelId', 'u32'],
  ],
  // 2.9 Incoming-Call-Request
  9: [
    ['callId', 'u16'],
    ['callSerial', 'u16'],
    ['bearerType', 'u32'],
    ['physicalChannelId', 'u32'],
    ['dialedNumberLength', 'u16'],
    ['dialingNumberLength', 'u16'],
    ['dialedNumber', 's64'],
    ['dialingNumber', 's64'],
    ['subaddress', 's64'],
  ],
  // 2.10 Incoming-Call-Reply
  10: [
    ['callId', 'u16'],
    ['peerCallId', 'u16'],
    ['resultCode', 'u8'],
    ['errorCode', 'u8'],
    ['recvWindow', 'u16'],
    ['transmitDelay', 'u16'],
    ['', 'pad2'],
  ],
  // 2.11 Incoming-Call-Connected
  11: [
    ['peerCallId', 'u16'],
    ['', 'pad2'],
    ['connectSpeed', 'u32'],
    ['recvWindow', 'u16'],
    ['transmitDelay', 'u16'],
    ['framingType', 'u32'],
  ],
  // 2.12 Call-Clear-Request
  12: [
    ['callId', 'u16'],
    ['', 'pad2'],
  ],
  // 2.13 Call-Disconnect-Notify
  13: [
    ['callId', 'u16'],
    ['resultCode', 'u8'],
    ['errorCode', 'u8'],
    ['causeCode', 'u16'],
    ['', 'pad2'],
    ['callStatistics', 's128'],
  ],
  // 2.14 WAN-Error-Notify
  14: [
    ['peerCallId', 'u16'],
    ['', 'pad2'],
    ['crcErrors', 'u32'],
    ['framingErrors', 'u32'],
    ['hardwareOverruns', 'u32'],
    ['bufferOverruns', 'u32'],
    ['timeoutErrors', 'u32'],
    ['alignmentErrors', 'u32'],
  ],
  // 2.15 Set-Link-Info
  15: [
    ['peerCallId', 'u16'],
    ['', 'pad2'],
    ['sendAccm', 'u32'],
    ['recvAccm', 'u32'],
  ],
};

export const FIELD_SIZE: Readonly<Record<FieldKind, number>> = {
  u8: 1,
  u16: 2,
  u32: 4,
  pad1: 1,
  pad2: 2,
  s64: 64,
  s128: 128,
};

/** Sum of a layout's field sizes plus the header; exported for the consistency test. */
export function layoutLength(type: CtrlType): number {
  return LAYOUTS[type].reduce((n, [, kind]) => n + FIELD_SIZE[kind], HEADER_LENGTH);
}
