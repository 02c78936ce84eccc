/**
 * Builders for the messages a PNS (the calling side, which is what a probe is) sends, with defaults that
 * mirror pptp-linux 1.10 (pptp_ctrl.c): any framing, any bearer, 2400..10,000,000 bps. Servers are known
 * to accept those values, so a probe that looks like pptp-linux tests what real clients meet.
 */
import {
  BEARER_ANALOG,
  BEARER_DIGITAL,
  CTRL,
  FRAMING_ASYNC,
  FRAMING_SYNC,
  PPTP_PROTOCOL_VERSION,
} from './codes.js';
import type { Ccrq, Cdn, EchoReply, EchoRequest, Ocrq, Sccrq, Sli, StopCcrp, StopCcrq } from './messages.js';

export const FRAMING_ANY = FRAMING_ASYNC | FRAMING_SYNC;
export const BEARER_ANY = BEARER_ANALOG | BEARER_DIGITAL;

export function buildSccrq(opts: Partial<Omit<Sccrq, 'type'>> = {}): Sccrq {
  return {
    type: CTRL.StartControlConnectionRequest,
    protocolVersion: opts.protocolVersion ?? PPTP_PROTOCOL_VERSION,
    framingCaps: opts.framingCaps ?? FRAMING_ANY,
    bearerCaps: opts.bearerCaps ?? BEARER_ANY,
    maxChannels: opts.maxChannels ?? 0,
    firmwareRevision: opts.firmwareRevision ?? 1,
    hostname: opts.hostname ?? 'pptpmon',
    vendor: opts.vendor ?? 'pptpmon',
  };
}

export function buildStopCcrq(reason = 1): StopCcrq {
  return { type: CTRL.StopControlConnectionRequest, reason };
}

export function buildStopCcrp(resultCode = 1, errorCode = 0): StopCcrp {
  return { type: CTRL.StopControlConnectionReply, resultCode, errorCode };
}

export function buildEchoRequest(identifier: number): EchoRequest {
  return { type: CTRL.EchoRequest, identifier: identifier >>> 0 };
}

export function buildEchoReply(identifier: number, resultCode = 1, errorCode = 0): EchoReply {
  return { type: CTRL.EchoReply, identifier: identifier >>> 0, resultCode, errorCode };
}

export function buildOcrq(opts: Partial<Omit<Ocrq, 'type'>> & { callId: number }): Ocrq {
  const phoneNumber = opts.phoneNumber ?? '';
  return {
    type: CTRL.OutgoingCallRequest,
    callId: opts.callId,
    callSerial: opts.callSerial ?? opts.callId,
    minBps: opts.minBps ?? 2400,
    maxBps: opts.maxBps ?? 10_000_000,
    bearerType: opts.bearerType ?? BEARER_ANY,
    framingType: opts.framingType ?? FRAMING_ANY,
    // pptp-linux advertises a receive window of 10 packets (PPTP_WINDOW); pptpd echoes it back.
    recvWindow: opts.recvWindow ?? 10,
    processingDelay: opts.processingDelay ?? 0,
    phoneNumberLength: opts.phoneNumberLength ?? Math.min(64, Buffer.byteLength(phoneNumber, 'latin1')),
    phoneNumber,
    subaddress: opts.subaddress ?? '',
  };
}

export function buildSli(peerCallId: number, sendAccm = 0xffffffff, recvAccm = 0xffffffff): Sli {
  return { type: CTRL.SetLinkInfo, peerCallId, sendAccm, recvAccm };
}

export function buildCcrq(callId: number): Ccrq {
  return { type: CTRL.CallClearRequest, callId };
}

export function buildCdn(
  callId: number,
  resultCode = 4,
  errorCode = 0,
  causeCode = 0,
  callStatistics = '',
): Cdn {
  return { type: CTRL.CallDisconnectNotify, callId, resultCode, errorCode, causeCode, callStatistics };
}
