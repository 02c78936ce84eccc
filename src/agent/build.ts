/**
 * Builds the agent's parts from the configuration: followers (the default log paths plus the
 * configured ones), journald, OpenWrt's logread, collectors from the registry, the line intake. Shared by `pptpmon agent`
 * (spool + shipper) and `pptpmon run` (straight into the store), which differ only in the sink.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config/index.js';
import {
  COLLECTORS,
  COLLECTOR_NAMES,
  defaultContext,
  type Collector,
  type SessionsCollector,
} from '../collectors/index.js';
import { DEFAULT_LOG_PATHS, FollowerSet } from '../logs/follow/set.js';
import { LineIntake } from './intake.js';
import { Agent, type AgentSink } from './agent.js';
import type { Event } from '../events/index.js';

export interface BuiltAgent {
  agent: Agent;
  host: string;
  sessions?: SessionsCollector;
  followedPaths: string[];
  /** Whether journald is followed (logs.journald, "auto" decided by journaldWanted). */
  journald: boolean;
  /** Whether OpenWrt's `logread -f` is followed (logs.logread, "auto" decided by logreadWanted). */
  logread: boolean;
  followers: FollowerSet;
}

const JOURNAL_MATCHES = [
  'SYSLOG_IDENTIFIER=pppd',
  'SYSLOG_IDENTIFIER=pptpd',
  'SYSLOG_IDENTIFIER=pptp',
  'SYSLOG_IDENTIFIER=radiusd',
  // Debian's freeradius.service logs under the process name; accel-ppp's PPTP module as accel-pppd.
  'SYSLOG_IDENTIFIER=freeradius',
  'SYSLOG_IDENTIFIER=accel-pppd',
];

/** Where journald keeps its sockets: present only while it runs. */
const JOURNALD_SOCKET_DIR = '/run/systemd/journal';
/** The files rsyslog/syslog-ng write pppd/pptpd's daemon-facility lines to (Debian, RHEL). */
const SYSLOG_FILES = ['/var/log/syslog', '/var/log/messages'];

/**
 * Whether to follow journald. true/false: as configured. "auto": only when journald runs and none of
 * the syslog files that would carry the same lines is followed (a journald-only host); where rsyslog
 * forwards the journal into /var/log/syslog, following both would ingest every line twice.
 */
export function journaldWanted(
  setting: boolean | 'auto',
  host: { journaldRuns: boolean; syslogFiles: readonly string[] },
): boolean {
  if (setting !== 'auto') return setting;
  return host.journaldRuns && host.syslogFiles.length === 0;
}

/**
 * Whether to follow OpenWrt's `logread -f`. true/false: as configured. "auto": where logread exists
 * and no file logd writes (its `log_file`, /var/log/messages by convention) is followed: that file
 * already carries every line of the ring buffer.
 */
export function logreadWanted(
  setting: boolean | 'auto',
  host: { logreadExists: boolean; logdFiles: readonly string[] },
): boolean {
  if (setting !== 'auto') return setting;
  return host.logreadExists && host.logdFiles.length === 0;
}

/** `option log_file` of OpenWrt's /etc/config/system (UCI), where logd also writes its lines. */
export function uciLogFile(systemConfig: string): string[] {
  let text: string;
  try {
    text = readFileSync(systemConfig, 'utf8');
  } catch {
    return [];
  }
  const m = /^\s*option\s+log_file\s+(?:'([^']*)'|"([^"]*)"|(\S+))/m.exec(text);
  const file = m?.[1] ?? m?.[2] ?? m?.[3];
  return file ? [file] : [];
}

/** The default locations (unless `logs.defaults: false`) plus `logs.files`, each once, in that order. */
export function followedPaths(logs: Pick<Config['logs'], 'files' | 'defaults'>): string[] {
  return [...new Set([...(logs.defaults ? DEFAULT_LOG_PATHS : []), ...logs.files])];
}

export function buildAgent(
  cfg: Config,
  sink: AgentSink,
  hooks: { onEvents?: (evs: Event[]) => void; onNote?: (n: string) => void } = {},
): BuiltAgent {
  const host = cfg.host ?? hostname();
  const a = cfg.agent;
  const paths = followedPaths(cfg.logs);
  const journal = journaldWanted(cfg.logs.journald, {
    journaldRuns: existsSync(JOURNALD_SOCKET_DIR),
    syslogFiles: paths.filter((p) => SYSLOG_FILES.includes(p) && existsSync(p)),
  });
  const logdFiles = [...SYSLOG_FILES, ...uciLogFile(join(a.etcRoot, 'config', 'system'))];
  const logread = logreadWanted(cfg.logs.logread, {
    logreadExists: existsSync(cfg.logs.logreadPath),
    logdFiles: paths.filter((p) => logdFiles.includes(p) && existsSync(p)),
  });
  // journald and logread are followed inside the FollowerSet, so pppd-logfile copies of their lines
  // are recognised (src/logs/follow/dedup.ts) and their positions saved with the checkpoints.
  const followers = new FollowerSet({
    paths,
    checkpointPath: join(a.stateDir, 'checkpoints.json'),
    startAtEnd: a.startAtEnd,
    timezone: cfg.logs.timezone,
    journal: journal ? { matches: JOURNAL_MATCHES } : undefined,
    logread: logread ? { logread: cfg.logs.logreadPath } : undefined,
  });
  const intake = new LineIntake({ host, timezone: cfg.logs.timezone });
  const ctx = defaultContext({
    host,
    procRoot: a.procRoot,
    sysRoot: a.sysRoot,
    etcRoot: a.etcRoot,
    runRoot: a.runRoot,
    stateDir: a.stateDir,
  });
  const collectors: Collector[] = [];
  let sessions: SessionsCollector | undefined;
  for (const name of COLLECTOR_NAMES) {
    const t = a.collectors[name];
    if (!t.enabled) continue;
    const interval = t.interval !== undefined ? { intervalMs: t.interval } : {};
    if (name === 'sessions') {
      sessions = COLLECTORS.sessions(ctx, { ...interval, lookup: intake.lookup }) as SessionsCollector;
      collectors.push(sessions);
    } else {
      collectors.push(COLLECTORS[name](ctx, interval));
    }
  }
  const agent = new Agent({
    followers,
    intake,
    collectors,
    sink,
    pollMs: a.pollInterval,
    onEvents: hooks.onEvents,
    onNote: hooks.onNote,
  });
  return { agent, host, sessions, followedPaths: paths, journald: journal, logread, followers };
}
