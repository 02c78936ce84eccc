/**
 * The Session record: one PPTP call (or other pppd link) seen end to end. The field names are the
 * `analyze --json` contract of ARCHITECTURE.md; keep them stable.
 */
import type { EndCause } from '../events/index.js';

export type SessionRole = 'server' | 'client';
export type Transport = 'pptp' | 'l2tp' | 'pppoe' | 'serial' | 'unknown';

export interface Session {
  id: string;
  host: string;
  user?: string;
  /** Client IP (server role) or server IP (client role). */
  peer?: string;
  iface?: string;
  localIp?: string;
  remoteIp?: string;
  /** e.g. `128 stateless` */
  mppe?: string;
  start?: string;
  end?: string;
  seconds?: number;
  /** As pppd reports them ("Sent N bytes, received M bytes"). */
  bytesSent?: number;
  bytesReceived?: number;
  packetsSent?: number;
  packetsReceived?: number;
  /** Absent while the session is still open. */
  cause?: EndCause;
  role: SessionRole;
  transport: Transport;
  pppdPid?: number;
  ctrlPid?: number;
  /** Raw lines that prove what the session says, in order. */
  evidence: string[];
  /** Ids of the events behind the session, in order. */
  eventIds: string[];
}
