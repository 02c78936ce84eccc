/**
 * What a classifier returns for one LogRecord: the events the line proves, plus correlation hints
 * (facts that are not worth an event but tie lines into sessions, e.g. the pptpctrl -> pppd pid link).
 * Classifiers are pure: no state, no I/O; all cross-line reasoning lives in sessions.ts.
 */
import type { EndCause, EventAttrs, EventKind, Severity } from '../../events/index.js';
import type { LogRecord } from '../record.js';
import type { SessionRole, Transport } from '../session.js';

/** An event before the pipeline stamps time, host, id and source on it. */
export type EventDraft = {
  [K in EventKind]: {
    kind: K;
    attrs: EventAttrs[K];
    severity: Severity;
    user?: string;
    peer?: string;
  };
}[EventKind];

/** Builds a draft with its attrs checked against the kind (the EventDraft union alone is too loose for literals). */
export function draft<K extends EventKind>(
  kind: K,
  attrs: EventAttrs[K],
  severity: Severity = 'info',
  extra: { user?: string; peer?: string } = {},
): EventDraft {
  return { kind, attrs, severity, ...extra } as EventDraft;
}

/** Correlation facts (see sessions.ts for how each is used). */
export type Hint =
  /** pppd began a new session on this pid/stream ("pppd 2.4.9 started by", "using channel N"). */
  | { h: 'ppp.begin' }
  /** "Connection terminated." — PPP is down; only trailer lines (Connect time, Sent/received) follow. */
  | { h: 'ppp.terminated' }
  /** "Exit." — the pppd process is gone: the session closes. */
  | { h: 'ppp.exit' }
  | { h: 'iface'; iface: string }
  | { h: 'tty'; tty: string }
  | { h: 'localIp'; ip: string }
  | { h: 'remoteIp'; ip: string }
  | { h: 'mppe'; mppe: string }
  /** pppd's "Connect time N minutes." in seconds. */
  | { h: 'seconds'; seconds: number }
  | { h: 'bytes'; sent: number; received: number }
  | { h: 'role'; role: SessionRole }
  /** Debug dump: pppd sent an LCP Configure-Request. */
  | { h: 'lcp.confreq' }
  /** Debug dump: pppd received a packet (any protocol): the link carries traffic from the peer. */
  | { h: 'rcvd' }
  | { h: 'transport'; transport: Transport }
  | { h: 'user'; user: string }
  | { h: 'peer'; peer: string }
  /** pptpctrl is about to fork the pppd launcher ("Starting call (launching pppd, opening GRE)"). */
  | { h: 'ctrl.launching' }
  /**
   * A line from the forked launcher child ("CTRL (PPPD Launcher): ..."): its pid becomes pppd's pid.
   * `remote`: its "remote address = X" line, which names its pptpctrl (same X as the pptpctrl's own).
   */
  | { h: 'ctrl.launcher'; remote?: string }
  /** pptpctrl's "CTRL: remote address = X" (debug): the PPP address pptpd gave this call. */
  | { h: 'ctrl.addr'; remote: string }
  /** "Reaping child PPP[pid]": the definitive pptpctrl -> pppd link. */
  | { h: 'ctrl.reap'; pppdPid: number }
  /** pptpctrl is leaving ("Exiting now"). */
  | { h: 'ctrl.exit' }
  /** pptpd's manager started: open server sessions on the host did not survive (server_restart). */
  | { h: 'mgr.start' };

export interface Match {
  events?: EventDraft[];
  hints?: Hint[];
  /** The end cause this line establishes for its session, if it is the first one seen. */
  cause?: EndCause;
  /** Keep the line as session evidence even if it makes no event (default: only lines with events/causes). */
  evidence?: boolean;
  /**
   * Session key for programs that serve many sessions from one process (accel-ppp: the interface).
   * Without it, pppd lines are keyed by host + pid.
   */
  sessionKey?: string;
  /** The hints are about the pppd with this pid on the same host (xl2tpd names the pppd it started). */
  forPid?: number;
  /** Rewrites the raw line before it is stored anywhere (a password some daemons log). */
  redact?: (raw: string) => string;
}

/** A known-but-uninteresting line (debug packet dumps etc.): counted as classified, nothing else. */
export const KNOWN: Match = Object.freeze({});

export interface Classifier {
  /** Name for diagnostics, e.g. `pppd`. */
  name: string;
  /** Syslog tags this classifier handles (exact, lower-case). */
  programs: readonly string[];
  /** Returns undefined when the message is not recognised (it is then counted by template). */
  classify(message: string, rec: LogRecord): Match | undefined;
  /** Lines this classifier does not know are tried as pppd lines (firmwares that tag pppd otherwise). */
  pppdFallback?: boolean;
  /** Its lines feed pppd-style sessions (accel-ppp) rather than only events. */
  family?: 'pppd';
}
