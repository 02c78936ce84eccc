/**
 * /metrics: Prometheus exposition via prom-client, names from EVENTS.md. Updated from events as they
 * are stored. Labels never carry users, peers or IPs (cardinality and privacy); ppp interfaces are
 * not labelled either (thousands of them) — per-session figures live in the store and the API.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AUTH_FAIL_REASONS, END_CAUSES, type Event } from '../events/index.js';
import { WATCHED } from '../collectors/processes.js';

/** What /metrics needs of an alert (AlertManager.list() items): counted per severity at scrape time. */
export interface AlertLike {
  severity: string;
  status: 'firing' | 'resolved';
}

const ALERT_SEVERITIES = ['warning', 'critical'] as const;

export class Metrics {
  readonly registry = new Registry();
  private readonly sessionsActive = new Gauge({
    name: 'pptpmon_sessions_active',
    help: 'Live ppp sessions',
    registers: [this.registry],
  });
  private readonly sessionsStarted = new Counter({
    name: 'pptpmon_sessions_started_total',
    help: 'Sessions started (IPCP up)',
    registers: [this.registry],
  });
  private readonly sessionsEnded = new Counter({
    name: 'pptpmon_sessions_ended_total',
    help: 'Sessions ended, by cause',
    labelNames: ['cause'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'pptpmon_session_duration_seconds',
    help: 'Session duration',
    buckets: [10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400],
    registers: [this.registry],
  });
  private readonly bytes = new Counter({
    name: 'pptpmon_session_bytes_total',
    help: 'Bytes of ended sessions as pppd reports them',
    labelNames: ['direction'],
    registers: [this.registry],
  });
  private readonly authFailures = new Counter({
    name: 'pptpmon_auth_failures_total',
    help: 'Authentication failures',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  // By host: on the central server pids of different agents' hosts would mix in one set (and collide:
  // pid 812 on vpn1 and on vpn2). EVENTS.md names it {name}; host is the one label added.
  private readonly processUp = new Gauge({
    name: 'pptpmon_process_up',
    help: 'Watched processes running, per host',
    labelNames: ['host', 'name'],
    registers: [this.registry],
  });
  private readonly restarts = new Counter({
    name: 'pptpmon_process_restarts_total',
    help: 'Daemon restarts seen',
    labelNames: ['name'],
    registers: [this.registry],
  });
  private readonly ifaceErrors = new Counter({
    name: 'pptpmon_iface_errors_total',
    help: 'Interface errors (non-ppp)',
    labelNames: ['iface', 'direction'],
    registers: [this.registry],
  });
  private readonly eventsTotal = new Counter({
    name: 'pptpmon_events_total',
    help: 'Events stored, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly spoolDropped = new Counter({
    name: 'pptpmon_agent_spool_dropped_total',
    help: 'Events dropped because the spool bound was hit',
    registers: [this.registry],
  });
  private readonly probeUp = new Gauge({
    name: 'pptpmon_probe_up',
    help: 'Last result of each probe: 1 ok, 0 failed',
    labelNames: ['check', 'target', 'vantage'],
    registers: [this.registry],
  });
  private readonly probeDuration = new Gauge({
    name: 'pptpmon_probe_duration_seconds',
    help: 'Duration of the last run of each probe',
    labelNames: ['check', 'target', 'vantage'],
    registers: [this.registry],
  });
  private alertSource: (() => readonly AlertLike[]) | undefined;
  // Counted from the live alert manager at scrape time (not from alert.* events): alerts restored
  // from the store at start-up fire without a new event, and must count too.
  private readonly alertsFiring = new Gauge({
    name: 'pptpmon_alerts_firing',
    help: 'Alerts firing now (silenced and acknowledged ones included), by severity',
    labelNames: ['severity'],
    registers: [this.registry],
    collect: () => this.collectAlerts(),
  });
  private readonly blockedIps = new Gauge({
    name: 'pptpmon_blocked_ips',
    help: 'Source IPs blocked by pptpmon; always 0 for now: blocking comes with the security issue',
    registers: [this.registry],
  });
  // Registered by watchLogCopies() only: where logs are followed (`run`, `agent`), not on the server.
  private copiesSource: (() => number) | undefined;
  private copiesCounted = 0;
  private readonly logCopiesDropped = new Counter({
    name: 'pptpmon_log_copies_dropped_total',
    help: "pppd logfile lines dropped as copies of a syslog/journal/logread line (pppd's two copies of one message)",
    registers: [],
    collect: () => this.collectCopies(),
  });
  /** Live pids per `host\u0000name`. */
  private readonly procs = new Map<string, Set<number>>();
  /** Hosts whose process_up series exist (seeded at 0 for every watched name). */
  private readonly procHosts = new Set<string>();
  private readonly lastIfaceErrors = new Map<string, number>();

  constructor() {
    // Known label values start at 0, so a scrape shows every series before its first event and
    // rate()/increase() see the first one (a series born at 1 loses that increment).
    for (const cause of END_CAUSES) this.sessionsEnded.inc({ cause }, 0);
    for (const reason of AUTH_FAIL_REASONS) this.authFailures.inc({ reason }, 0);
    for (const direction of ['in', 'out']) this.bytes.inc({ direction }, 0);
    for (const name of WATCHED) this.restarts.inc({ name }, 0);
    this.blockedIps.set(0);
  }

  /**
   * A daemon not running when the agent starts sends no proc.* event: without a 0 sample,
   * `pptpmon_process_up{name="pptpd"} == 0` could never fire. So every watched name starts at 0 for
   * a host once that host is known to run collectors (its first collector event, or `run`/`agent`
   * naming their own host); the first process scan corrects it. Hosts that only push probe results
   * (vantages) run no pptpd and get no series.
   */
  seedHost(host: string): void {
    if (this.procHosts.has(host)) return;
    this.procHosts.add(host);
    for (const name of WATCHED)
      if (!this.procs.has(`${host}\u0000${name}`)) this.processUp.set({ host, name }, 0);
  }

  observe(events: readonly Event[]): void {
    for (const ev of events) {
      this.eventsTotal.inc({ kind: ev.kind });
      if (ev.source?.collector !== undefined) this.seedHost(ev.host);
      switch (ev.kind) {
        case 'ppp.ipcp.up':
          this.sessionsStarted.inc();
          break;
        case 'ppp.end':
          this.sessionsEnded.inc({ cause: ev.attrs.cause ?? 'unknown' });
          if (ev.attrs.seconds !== undefined) this.duration.observe(ev.attrs.seconds);
          if (ev.attrs.bytesIn !== undefined) this.bytes.inc({ direction: 'in' }, ev.attrs.bytesIn);
          if (ev.attrs.bytesOut !== undefined) this.bytes.inc({ direction: 'out' }, ev.attrs.bytesOut);
          break;
        case 'auth.fail':
          this.authFailures.inc({ reason: ev.attrs.reason });
          break;
        case 'proc.up':
        case 'proc.down': {
          const key = `${ev.host}\u0000${ev.attrs.name}`;
          const set = this.procs.get(key) ?? new Set<number>();
          if (ev.kind === 'proc.up') set.add(ev.attrs.pid);
          else set.delete(ev.attrs.pid);
          this.procs.set(key, set);
          this.processUp.set({ host: ev.host, name: ev.attrs.name }, set.size);
          break;
        }
        case 'proc.restart':
          this.restarts.inc({ name: ev.attrs.name }, ev.attrs.count);
          break;
        case 'net.iface.sample':
          for (const [direction, v] of [
            ['rx', ev.attrs.rxErrors],
            ['tx', ev.attrs.txErrors],
          ] as const) {
            const key = `${ev.host}|${ev.attrs.iface}|${direction}`;
            const prev = this.lastIfaceErrors.get(key);
            if (prev !== undefined && v > prev)
              this.ifaceErrors.inc({ iface: ev.attrs.iface, direction }, v - prev);
            else if (prev === undefined) this.ifaceErrors.inc({ iface: ev.attrs.iface, direction }, 0);
            this.lastIfaceErrors.set(key, v);
          }
          break;
        case 'probe.tcp':
        case 'probe.control':
        case 'probe.gre':
        case 'probe.mtu':
        case 'probe.login':
        case 'probe.radius':
        case 'probe.ldap': {
          const labels = {
            check: ev.kind.slice('probe.'.length),
            target: ev.attrs.target,
            vantage: ev.attrs.vantage,
          };
          this.probeUp.set(labels, ev.attrs.ok ? 1 : 0);
          this.probeDuration.set(labels, ev.attrs.ms / 1000);
          break;
        }
        case 'agent.spool.dropped':
          this.spoolDropped.inc(ev.attrs.count);
          break;
        default:
          break;
      }
    }
  }

  /** The alerts behind pptpmon_alerts_firing (`run`/`server`: the alert manager's list). */
  watchAlerts(list: () => readonly AlertLike[]): void {
    this.alertSource = list;
  }

  /** The follower's dropped-copy count (FollowerSet.dedupStats), read at scrape time. */
  watchLogCopies(dropped: () => number): void {
    if (!this.copiesSource) this.registry.registerMetric(this.logCopiesDropped);
    this.copiesSource = dropped;
  }

  private collectCopies(): void {
    const n = this.copiesSource?.() ?? 0;
    if (n > this.copiesCounted) this.logCopiesDropped.inc(n - this.copiesCounted);
    this.copiesCounted = Math.max(n, this.copiesCounted);
  }

  private collectAlerts(): void {
    const counts = new Map<string, number>(ALERT_SEVERITIES.map((s) => [s, 0]));
    for (const a of this.alertSource?.() ?? [])
      if (a.status === 'firing') counts.set(a.severity, (counts.get(a.severity) ?? 0) + 1);
    for (const [severity, n] of counts) this.alertsFiring.set({ severity }, n);
  }

  setSessionsActive(n: number): void {
    this.sessionsActive.set(n);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
