/**
 * Event kinds and their typed attributes (shared/design/EVENTS.md is the source of truth; add a kind
 * there in the same change as here). `EventAttrs` maps each dotted kind to its `attrs` shape, and
 * `Event` (event.ts) is the discriminated union over it, so `switch (ev.kind)` is exhaustive.
 */

/** Why a session ended: the first cause that explains the end (EVENTS.md "End causes"). */
export const END_CAUSES = [
  'user_disconnect',
  'link_dead',
  'admin',
  'auth_failed',
  'auth_backend',
  'mppe_failed',
  'lcp_timeout',
  'ccp_timeout',
  'ipcp_timeout',
  'ip_config',
  'gre_error',
  'mtu',
  'config_error',
  'pppd_crash',
  'ctrl_closed',
  'server_restart',
  'idle_timeout',
  'session_timeout',
  'unknown',
] as const;
export type EndCause = (typeof END_CAUSES)[number];

export const AUTH_FAIL_REASONS = [
  'bad_password',
  'unknown_user',
  'no_secret',
  'backend_timeout',
  'locked',
  'peer_refused',
] as const;
export type AuthFailReason = (typeof AUTH_FAIL_REASONS)[number];

/** Where a probe stopped (ARCHITECTURE.md probe contract). */
export type ProbeStage = 'tcp' | 'sccrq' | 'ocrq' | 'gre' | 'lcp' | 'auth' | 'ccp' | 'ipcp' | 'data';
export type ProbeCheck = 'tcp' | 'control' | 'gre' | 'mtu' | 'login' | 'radius' | 'ldap';

export interface ProbeAttrs {
  ok: boolean;
  ms: number;
  vantage: string;
  target: string;
  stage?: ProbeStage;
  reason?: string;
  detail?: string;
}

export interface EventAttrs {
  // probe layer
  'probe.tcp': ProbeAttrs;
  'probe.control': ProbeAttrs & { vendor?: string; hostname?: string; firmware?: string };
  'probe.control.fingerprint': { target: string; vantage: string; before: string; after: string };
  'probe.gre': ProbeAttrs;
  'probe.mtu': ProbeAttrs & { mtu?: number };
  'probe.login': ProbeAttrs & { rttMs?: number; lossPct?: number; mppe?: string };
  'probe.radius': ProbeAttrs;
  'probe.ldap': ProbeAttrs;

  // PPTP control layer (pptpd/pptpctrl, pptp-linux client)
  'pptp.ctrl.open': { ctrlPid?: number };
  'pptp.ctrl.close': { ctrlPid?: number; reason?: string };
  'pptp.call.open': { callId?: number; peerCallId?: number };
  'pptp.call.close': { callId?: number; reason?: string };
  'pptp.ctrl.error': { message: string };
  'pptp.gre.error': { message: string; errno?: string };
  'pptp.limit': { message: string };
  'pptp.server.start': { version?: string };

  // PPP layer (pppd)
  'ppp.start': { version?: string; pid?: number };
  'ppp.link.up': { iface?: string; tty?: string };
  'ppp.lcp.timeout': Record<string, never>;
  'ppp.lcp.terminated': { by: 'peer' | 'local'; reason?: string };
  'ppp.echo.timeout': { missed?: number };
  'ppp.ipcp.up': { local?: string; remote?: string };
  'ppp.ipcp.timeout': Record<string, never>;
  'ppp.ccp.timeout': Record<string, never>;
  'ppp.mppe.up': { bits: number; stateless: boolean };
  'ppp.mppe.failed': { reason: string };
  'ppp.protocol.reject': { protocol?: string };
  'ppp.end': {
    bytesIn?: number;
    bytesOut?: number;
    seconds?: number;
    cause?: EndCause;
    exitCode?: number;
  };
  'ppp.error': { message: string; cause?: EndCause };
  /** pppd "Terminating on signal N" / "Hangup (SIGHUP)" (main.c): someone stopped it. */
  'ppp.signal': { signal: number };

  // auth layer
  'auth.ok': { user?: string; method?: string };
  'auth.fail': { user?: string; reason: AuthFailReason; method?: string };
  'auth.backend.timeout': { backend: 'radius' | 'ldap' | string; server?: string };
  'auth.backend.error': { backend: 'radius' | 'ldap' | string; message: string };

  // process layer
  'proc.up': { name: string; pid: number };
  'proc.down': { name: string; pid: number; exitCode?: number; signal?: string };
  'proc.restart': { name: string; count: number; windowSeconds: number };

  // system layer
  'sys.sample': { cpuPct: number; memPct: number; diskPct: number; load1: number };
  'net.iface.sample': {
    iface: string;
    rxBytes: number;
    txBytes: number;
    rxErrors: number;
    txErrors: number;
    rxDropped: number;
    txDropped: number;
  };
  'net.ip.sample': { fragCreates: number; fragFails: number; reasmFails: number; reasmOks: number };

  // security layer
  'sec.bruteforce': { ip?: string; user?: string; count: number; windowSeconds: number };
  'sec.geo.new': { user: string; country: string };
  'sec.mppe.downgrade': { detail?: string };
  'sec.config.change': { file: string; summary: string };
  'sec.firewall.change': { summary: string };

  // decisions
  'alert.firing': { rule: string; fingerprint: string; summary?: string };
  'alert.resolved': { rule: string; fingerprint: string };
  'action.done': { action: string; target?: string; detail?: string };
  'action.failed': { action: string; target?: string; error: string };
  'action.skipped': {
    action: string;
    target?: string;
    reason: 'allowlisted' | 'limit_reached' | 'dry_run' | string;
  };

  // agent self-reporting
  'agent.spool.dropped': { count: number };

  // host agent collectors (src/collectors/)
  /** A pppd whose pptpctrl parent is gone: the link lives on without its control connection. */
  'proc.orphan': { name: string; pid: number; ppid: number };
  /** One live ppp link: kernel counters (rx = from the client), rates since the previous sample. */
  'session.sample': {
    iface: string;
    pid?: number;
    localIp?: string;
    remoteIp?: string;
    start?: string;
    rxBytes: number;
    txBytes: number;
    rxPackets: number;
    txPackets: number;
    rxErrors: number;
    txErrors: number;
    rxBps: number;
    txBps: number;
  };
  'sys.io.sample': { readBytesPerS: number; writeBytesPerS: number; busyPct: number };
  /** The PPTP listener (TCP 1723) and conntrack state; counters are increases since the last sample. */
  'net.pptp.sample': {
    port: number;
    listening: boolean;
    acceptQueue: number;
    backlog: number;
    listenOverflows: number;
    listenDrops: number;
    conntrackGre?: number;
    conntrackPptp?: number;
  };
  /**
   * pppd processes vs ppp links disagree (processes collector): pppd alive with no ppp interface for
   * longer than the collector's limit (stuck before the link, or left behind), or a ppp interface whose
   * pid file names no live pppd. Sent when the sets change; empty lists (info) when it clears.
   */
  'proc.ppp.mismatch': { pppd: number; links: number; pppdWithoutLink: number[]; linksWithoutPppd: string[] };
}

export type EventKind = keyof EventAttrs;

/** Every kind, for validation at the edges (API input, store reads). Kept in sync by the type below. */
export const EVENT_KINDS = [
  'probe.tcp',
  'probe.control',
  'probe.control.fingerprint',
  'probe.gre',
  'probe.mtu',
  'probe.login',
  'probe.radius',
  'probe.ldap',
  'pptp.ctrl.open',
  'pptp.ctrl.close',
  'pptp.call.open',
  'pptp.call.close',
  'pptp.ctrl.error',
  'pptp.gre.error',
  'pptp.limit',
  'pptp.server.start',
  'ppp.start',
  'ppp.link.up',
  'ppp.lcp.timeout',
  'ppp.lcp.terminated',
  'ppp.echo.timeout',
  'ppp.ipcp.up',
  'ppp.ipcp.timeout',
  'ppp.ccp.timeout',
  'ppp.mppe.up',
  'ppp.mppe.failed',
  'ppp.protocol.reject',
  'ppp.end',
  'ppp.error',
  'ppp.signal',
  'auth.ok',
  'auth.fail',
  'auth.backend.timeout',
  'auth.backend.error',
  'proc.up',
  'proc.down',
  'proc.restart',
  'sys.sample',
  'net.iface.sample',
  'net.ip.sample',
  'sec.bruteforce',
  'sec.geo.new',
  'sec.mppe.downgrade',
  'sec.config.change',
  'sec.firewall.change',
  'alert.firing',
  'alert.resolved',
  'action.done',
  'action.failed',
  'action.skipped',
  'agent.spool.dropped',
  'proc.orphan',
  'session.sample',
  'sys.io.sample',
  'net.pptp.sample',
  'proc.ppp.mismatch',
] as const satisfies readonly EventKind[];

// Compile-time check that EVENT_KINDS lists every kind exactly: a missing one makes this `false`.
type Missing = Exclude<EventKind, (typeof EVENT_KINDS)[number]>;
const _allKindsListed: [Missing] extends [never] ? true : false = true;
void _allKindsListed;

export function isEventKind(s: string): s is EventKind {
  return (EVENT_KINDS as readonly string[]).includes(s);
}
