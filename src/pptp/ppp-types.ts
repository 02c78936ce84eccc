/**
 * What the userspace PPP client (ppp-client.ts) takes and tells: its options, the events it emits and
 * how a failed login is described (stage + reason + detail, which the probes report as they are).
 */
import type { MppeSettings, MppeWanted } from './ccp.js';

export type PppStage = 'lcp' | 'auth' | 'ccp' | 'ipcp' | 'data';

export interface PppFailure {
  stage: PppStage;
  reason: string;
  detail: string;
}

export interface PppClientOptions {
  user: string;
  password: string;
  /** null: offer no MPPE (test option; behaves like pppd `nomppe`). */
  mppe: MppeWanted | null;
  askDns?: boolean;
  mru?: number;
  /** Restart timer (RFC 1661 §4.6; pppd's default is 3 s). */
  restartMs: number;
  /** Max-Configure (pppd default 10). */
  maxConfigure: number;
  /** How long to wait for the server's CHAP Challenge / Success after LCP is up. */
  authTimeoutMs: number;
  /** false: stay silent in the authentication phase (gre/mtu probes only need LCP up). */
  authenticate?: boolean;
  now: () => number;
  random: (bytes: number) => Buffer;
}

export type PppEvent =
  | { type: 'stage'; stage: PppStage; ms: number }
  | { type: 'up'; localIp: string; remoteIp: string; mppe?: MppeSettings; dns: string[] }
  | { type: 'failed'; failure: PppFailure }
  | { type: 'echo-reply'; id: number; rttMs: number; bytes: number }
  | { type: 'ip'; packet: Buffer }
  | { type: 'closed' }
  | { type: 'warning'; message: string };
