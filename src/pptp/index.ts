/**
 * Public face of src/pptp: protocol code for PPTP (RFC 2637 control and enhanced GRE) and the PPP it
 * carries (LCP, CHAP/MS-CHAPv2, CCP/MPPE, IPCP). Pure encode/decode and state machines, plus two I/O
 * edges the probes use: the control-connection client and the userspace tunnel (raw GRE via
 * native/gre-helper.c). Other folders import from here.
 */
export * from './control.js';
export { PptpControlClient, PptpControlError, type CallInfo, type CtrlErrorCode } from './ctrl-client.js';
export { type Decoded, type DecodeError, describeError } from './decode.js';
export { encodeGre, decodeGre, GRE_PROTO_PPP, type GrePacket } from './gre.js';
export { GreLink } from './gre-link.js';
export { PPP, encodePpp, decodePpp, type PppFrame } from './ppp.js';
export { CP, encodeCp, decodeCp, encodeOptions, decodeOptions, type CpPacket, type CpOption } from './cp.js';
export { CpFsm, type OptionPolicy, type FsmState } from './fsm.js';
export { LcpPolicy, LCP_OPT, CHAP_MSCHAPV2 } from './lcp.js';
export { IpcpPolicy, IPCP_OPT } from './ipcp.js';
export { CcpPolicy, CCP_OPT_MPPE, describeMppe, type MppeSettings, type MppeWanted } from './ccp.js';
export { CHAP, parseFailure, parseSuccess, failureReason, type MsChapFailure } from './chap.js';
export * as mschapv2 from './crypto/mschapv2.js';
export * as mppeKeys from './crypto/mppe-keys.js';
export { type MppeBits } from './crypto/mppe-keys.js';
export { Rc4 } from './crypto/rc4.js';
export { MppeEncryptor, MppeDecryptor } from './mppe.js';
export { buildIcmpEcho, parseIcmpEcho } from './ipv4.js';
export {
  PppClient,
  type PppClientOptions,
  type PppEvent,
  type PppFailure,
  type PppStage,
} from './ppp-client.js';
export { PptpTunnel, isTunnelOpenFailure, type TunnelOptions, type TunnelOpenFailure } from './tunnel.js';
export { RawGreSocket, RawGreError, PMTU } from './raw/gre-socket.js';
