/**
 * Typed PPTP control messages (RFC 2637 section 2), one interface per message, discriminated on `type`
 * (the Control Message Type). Field names follow the RFC's field names in camelCase; units in names.
 * Reserved fields are not represented: they are written as zero and ignored on read (RFC 2637 2.x
 * "MUST be 0" on send; receivers do not check them, nor do pptpd or pptp-linux).
 */
import type { CTRL } from './codes.js';

export interface Sccrq {
  type: typeof CTRL.StartControlConnectionRequest;
  protocolVersion: number;
  framingCaps: number;
  bearerCaps: number;
  maxChannels: number;
  firmwareRevision: number;
  hostname: string;
  vendor: string;
}

export interface Sccrp {
  type: typeof CTRL.StartControlConnectionReply;
  protocolVersion: number;
  resultCode: number;
  errorCode: number;
  framingCaps: number;
  bearerCaps: number;
  maxChannels: number;
  firmwareRevision: number;
  hostname: string;
  vendor: string;
}

export interface StopCcrq {
  type: typeof CTRL.StopControlConnectionRequest;
  reason: number;
}

export interface StopCcrp {
  type: typeof CTRL.StopControlConnectionReply;
  resultCode: number;
  errorCode: number;
}

export interface EchoRequest {
  type: typeof CTRL.EchoRequest;
  identifier: number;
}

export interface EchoReply {
  type: typeof CTRL.EchoReply;
  identifier: number;
  resultCode: number;
  errorCode: number;
}

export interface Ocrq {
  type: typeof CTRL.OutgoingCallRequest;
  callId: number;
  callSerial: number;
  minBps: number;
  maxBps: number;
  bearerType: number;
  framingType: number;
  recvWindow: number;
  processingDelay: number;
  phoneNumberLength: number;
  phoneNumber: string;
  subaddress: string;
}

export interface Ocrp {
  type: typeof CTRL.OutgoingCallReply;
  callId: number;
  peerCallId: number;
  resultCode: number;
  errorCode: number;
  causeCode: number;
  connectSpeed: number;
  recvWindow: number;
  processingDelay: number;
  physicalChannelId: number;
}

export interface Icrq {
  type: typeof CTRL.IncomingCallRequest;
  callId: number;
  callSerial: number;
  bearerType: number;
  physicalChannelId: number;
  dialedNumberLength: number;
  dialingNumberLength: number;
  dialedNumber: string;
  dialingNumber: string;
  subaddress: string;
}

export interface Icrp {
  type: typeof CTRL.IncomingCallReply;
  callId: number;
  peerCallId: number;
  resultCode: number;
  errorCode: number;
  recvWindow: number;
  transmitDelay: number;
}

export interface Iccn {
  type: typeof CTRL.IncomingCallConnected;
  peerCallId: number;
  connectSpeed: number;
  recvWindow: number;
  transmitDelay: number;
  framingType: number;
}

export interface Ccrq {
  type: typeof CTRL.CallClearRequest;
  callId: number;
}

export interface Cdn {
  type: typeof CTRL.CallDisconnectNotify;
  callId: number;
  resultCode: number;
  errorCode: number;
  causeCode: number;
  callStatistics: string;
}

export interface Wen {
  type: typeof CTRL.WanErrorNotify;
  peerCallId: number;
  crcErrors: number;
  framingErrors: number;
  hardwareOverruns: number;
  bufferOverruns: number;
  timeoutErrors: number;
  alignmentErrors: number;
}

export interface Sli {
  type: typeof CTRL.SetLinkInfo;
  peerCallId: number;
  sendAccm: number;
  recvAccm: number;
}

export type ControlMessage =
  | Sccrq
  | Sccrp
  | StopCcrq
  | StopCcrp
  | EchoRequest
  | EchoReply
  | Ocrq
  | Ocrp
  | Icrq
  | Icrp
  | Iccn
  | Ccrq
  | Cdn
  | Wen
  | Sli;

/** The message type with a given Control Message Type value. */
export type ControlMessageOf<T extends ControlMessage['type']> = Extract<ControlMessage, { type: T }>;

/** Why a byte sequence is not a valid control message. Decoders return these; they never throw. */
export type ControlDecodeErrorCode =
  'truncated' | 'oversized' | 'bad_length' | 'bad_message_type' | 'bad_magic' | 'unknown_type';

export interface ControlDecodeError {
  code: ControlDecodeErrorCode;
  /** Human-readable, names the field and the values seen. */
  message: string;
}

export type DecodeResult = { ok: true; message: ControlMessage } | { ok: false; error: ControlDecodeError };
