/**
 * A LogRecord is one log line after its format is recognised and before any program-specific meaning
 * is given to it: formats (formats/) make records, classifiers (classify/) turn records into events.
 */

/** Line formats we detect, per line (a file may mix them). */
export type LineFormat =
  | 'rfc3164' // BSD syslog, with/without year and host
  | 'rfc5424'
  | 'journal-json' // journalctl -o json
  | 'short-iso' // journalctl -o short-iso
  | 'openwrt' // logd / logread: "Mon Nov 20 10:00:00 2026 daemon.info pppd[123]: ..."
  | 'freeradius' // FreeRADIUS radius.log (log.c, to a file): "Tue Nov 24 22:43:50 2026 : Auth: (3) Login OK: ..."
  | 'pppd-logfile' // pppd `logfile` output: bare message, no prefix
  | 'bare'; // no timestamp and no recognisable prefix

/** How `ts` was obtained: from the line itself, carried from a neighbouring line, from mtime, or not at all. */
export type TimeSource = 'line' | 'neighbour' | 'mtime' | 'none';

export interface LogRecord {
  /** ISO 8601 UTC, when known. */
  ts?: string;
  tsSource: TimeSource;
  host?: string;
  /** Syslog tag / journald SYSLOG_IDENTIFIER, e.g. `pppd`, `pptpd`, `pptp`, `radiusd`. */
  program?: string;
  pid?: number;
  /** The message text after the prefix. */
  message: string;
  /** The original line, unchanged. */
  raw: string;
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  format: LineFormat;
  /** Set on a `last message repeated N times` record: N, applying to the previous record. */
  repeated?: number;
}
