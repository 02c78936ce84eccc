/**
 * Builds the agent's parts from the configuration: followers (the default log paths plus the
 * configured ones), journald, collectors from the registry, the line intake. Shared by `pptpmon agent`
 * (spool + shipper) and `pptpmon run` (straight into the store), which differ only in the sink.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Config } from '../config/index.js';
import {
  COLLECTORS,
  COLLECTOR_NAMES,
  defaultContext,
  type Collector,
  type SessionsCollector,
} from '../collectors/index.js';
import { DEFAULT_LOG_PATHS, FollowerSet } from '../logs/follow/set.js';
import { JournalFollower } from '../logs/follow/journal.js';
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
}

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
  const followers = new FollowerSet({
    paths,
    checkpointPath: join(a.stateDir, 'checkpoints.json'),
    startAtEnd: a.startAtEnd,
  });
  const journal = journaldWanted(cfg.logs.journald, {
    journaldRuns: existsSync(JOURNALD_SOCKET_DIR),
    syslogFiles: paths.filter((p) => SYSLOG_FILES.includes(p) && existsSync(p)),
  })
    ? new JournalFollower({
        cursor: followers.journalCursor,
        startAtEnd: a.startAtEnd,
        matches: [
          'SYSLOG_IDENTIFIER=pppd',
          'SYSLOG_IDENTIFIER=pptpd',
          'SYSLOG_IDENTIFIER=pptp',
          'SYSLOG_IDENTIFIER=radiusd',
          // Debian's freeradius.service logs under the process name; accel-ppp's PPTP module as accel-pppd.
          'SYSLOG_IDENTIFIER=freeradius',
          'SYSLOG_IDENTIFIER=accel-pppd',
        ],
      })
    : undefined;
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
    journal,
    intake,
    collectors,
    sink,
    pollMs: a.pollInterval,
    onEvents: hooks.onEvents,
    onNote: hooks.onNote,
  });
  return { agent, host, sessions, followedPaths: paths, journald: journal !== undefined };
}
