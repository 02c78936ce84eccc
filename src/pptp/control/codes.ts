/**
 * PPTP control-connection constants and code names (RFC 2637 section 2). Names are the RFC's own words,
 * so a probe can report "sccrp result 4 (Requester not authorized)" exactly as the spec says it.
 */

/** RFC 2637 2.x: every control message carries this cookie right after the message type. */
export const MAGIC_COOKIE = 0x1a2b3c4d;
/** RFC 2637 2.x: PPTP Message Type 1 = Control Message (2 = Management, never used). */
export const PPTP_MESSAGE_TYPE_CONTROL = 1;
/** Protocol version 1.0, the only one defined (RFC 2637 2.1). */
export const PPTP_PROTOCOL_VERSION = 0x0100;
/** The well-known TCP port of the control connection (RFC 2637 section 1.3). */
export const PPTP_PORT = 1723;
/** Length of the common header: Length, Message Type, Magic Cookie, Control Message Type, Reserved0. */
export const HEADER_LENGTH = 12;

/** Control Message Type values (RFC 2637 section 2, table at the start of the section). */
export const CTRL = {
  StartControlConnectionRequest: 1,
  StartControlConnectionReply: 2,
  StopControlConnectionRequest: 3,
  StopControlConnectionReply: 4,
  EchoRequest: 5,
  EchoReply: 6,
  OutgoingCallRequest: 7,
  OutgoingCallReply: 8,
  IncomingCallRequest: 9,
  IncomingCallReply: 10,
  IncomingCallConnected: 11,
  CallClearRequest: 12,
  CallDisconnectNotify: 13,
  WanErrorNotify: 14,
  SetLinkInfo: 15,
} as const;
export type CtrlType = (typeof CTRL)[keyof typeof CTRL];

/** Short names used in errors and reports (the abbreviations RFC 2637 and pptpd's logs use). */
export const CTRL_NAMES: Readonly<Record<CtrlType, string>> = {
  1: 'SCCRQ',
  2: 'SCCRP',
  3: 'StopCCRQ',
  4: 'StopCCRP',
  5: 'Echo-Request',
  6: 'Echo-Reply',
  7: 'OCRQ',
  8: 'OCRP',
  9: 'ICRQ',
  10: 'ICRP',
  11: 'ICCN',
  12: 'CCRQ',
  13: 'CDN',
  14: 'WEN',
  15: 'SLI',
};

/**
 * Fixed total length of each message, header included. RFC 2637 defines every control message with a
 * fixed layout; a different Length field means a broken or hostile peer.
 */
export const CTRL_LENGTHS: Readonly<Record<CtrlType, number>> = {
  1: 156,
  2: 156,
  3: 16,
  4: 16,
  5: 16,
  6: 20,
  7: 168,
  8: 32,
  9: 220,
  10: 24,
  11: 28,
  12: 16,
  13: 148,
  14: 40,
  15: 24,
};

/** The longest legal control message (ICRQ); anything longer is oversized. */
export const MAX_CTRL_LENGTH = 220;

export function isCtrlType(n: number): n is CtrlType {
  return Number.isInteger(n) && n >= 1 && n <= 15;
}

/** RFC 2637 2.2 (SCCRP Result Code). */
export const SCCRP_RESULTS: Readonly<Record<number, string>> = {
  1: 'Successful channel establishment',
  2: 'General error',
  3: 'Command channel already exists',
  4: 'Requester is not authorized to establish a command channel',
  5: 'The protocol version of the requester is not supported',
};

/** RFC 2637 2.3 (StopCCRQ Reason). */
export const STOP_REASONS: Readonly<Record<number, string>> = {
  1: 'General request to clear control connection',
  2: "Can't support peer's version of the protocol",
  3: 'Requester is being shut down',
};

/** RFC 2637 2.4 (StopCCRP) and 2.6 (Echo-Reply) share these. */
export const OK_OR_ERROR_RESULTS: Readonly<Record<number, string>> = {
  1: 'OK',
  2: 'General error',
};

/** RFC 2637 2.8 (OCRP Result Code). */
export const OCRP_RESULTS: Readonly<Record<number, string>> = {
  1: 'Connected',
  2: 'General Error',
  3: 'No Carrier',
  4: 'Busy',
  5: 'No Dial Tone',
  6: 'Time-out',
  7: 'Do Not Accept',
};

/** RFC 2637 2.10 (ICRP Result Code). */
export const ICRP_RESULTS: Readonly<Record<number, string>> = {
  1: 'Connect',
  2: 'General error',
  3: 'Do not accept',
};

/** RFC 2637 2.13 (CDN Result Code). */
export const CDN_RESULTS: Readonly<Record<number, string>> = {
  1: 'Lost Carrier',
  2: 'General Error',
  3: 'Admin Shutdown',
  4: 'Request',
};

/** RFC 2637 2.16 "General Error Codes", used in the Error Code field of any reply. */
export const GENERAL_ERRORS: Readonly<Record<number, string>> = {
  0: 'None',
  1: 'Not-Connected',
  2: 'Bad-Format',
  3: 'Bad-Value',
  4: 'No-Resource',
  5: 'Bad-Call ID',
  6: 'PAC-Error',
};

/** RFC 2637 2.1: Framing Capabilities bits. */
export const FRAMING_ASYNC = 1;
export const FRAMING_SYNC = 2;
/** RFC 2637 2.1: Bearer Capabilities bits. */
export const BEARER_ANALOG = 1;
export const BEARER_DIGITAL = 2;

/** Names a code from one of the tables above, keeping unknown values visible rather than hiding them. */
export function codeName(table: Readonly<Record<number, string>>, code: number): string {
  return table[code] ?? `unknown (${code})`;
}

export function framingNames(bits: number): string[] {
  const out: string[] = [];
  if (bits & FRAMING_ASYNC) out.push('async');
  if (bits & FRAMING_SYNC) out.push('sync');
  return out;
}

export function bearerNames(bits: number): string[] {
  const out: string[] = [];
  if (bits & BEARER_ANALOG) out.push('analog');
  if (bits & BEARER_DIGITAL) out.push('digital');
  return out;
}
