/**
 * What `pptpmon run` and `pptpmon server` run beside the API: alerting (rules -> alerts -> notify) and
 * store retention, built from the config in one place so both commands wire them the same way.
 * Every event that reaches the store goes to `ingest`; the alert.firing / alert.resolved events that
 * alerting decides are stored like any event (ARCHITECTURE.md: decisions are events).
 */
import pino from 'pino';
import type { Config } from '../config/index.js';
import type { Event } from '../events/index.js';
import { Alerting, type Notification } from '../alerts/index.js';
import { loadRules } from '../rules/index.js';
import { startRetention } from '../store/open.js';
import type { RetentionScheduler } from '../store/retention.js';
import type { Store } from '../store/index.js';

export interface Monitor {
  alerting: Alerting;
  retention: RetentionScheduler;
  /** Events already stored: evaluated by the rules. */
  ingest(events: readonly Event[]): void;
  stop(): Promise<void>;
}

export interface MonitorHooks {
  /** Decision events (alert.*) after they are stored: metrics. */
  onStored?: (events: Event[]) => void;
  /** Structured log lines (JSON on stderr by default). */
  logger?: pino.Logger;
}

/** The `notify` of this issue: notifiers come later, so the notification is logged (already redacted). */
function logNotification(log: pino.Logger, n: Notification): void {
  log.warn(
    {
      notification: {
        status: n.status,
        reason: n.reason,
        // Who is reached (escalation chain): an operator can see an ack stopped the chain.
        receivers: n.receivers,
        escalationStep: n.escalationStep,
        severity: n.severity,
        title: n.title,
        groupKey: n.groupKey,
        root: { rule: n.root.rule, labels: n.root.labels, summary: n.root.summary },
        explains: n.explains.map((e) => e.rule),
      },
    },
    n.title,
  );
}

/** Recently seen producer ids (the store's dedup key), bounded: replays arrive soon after the original. */
class RecentIds {
  private readonly keys = new Set<string>();
  constructor(private readonly max: number) {}

  first(e: Event): boolean {
    if (e.id === undefined) return true;
    const k = `${e.host}\u0000${e.id}\u0000${e.ts}\u0000${e.kind}`;
    if (this.keys.has(k)) return false;
    this.keys.add(k);
    if (this.keys.size > this.max) {
      const oldest = this.keys.values().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    return true;
  }
}

export async function startMonitor(cfg: Config, store: Store, hooks: MonitorHooks = {}): Promise<Monitor> {
  const log = hooks.logger ?? pino({ base: { name: 'pptpmon' } }, pino.destination({ fd: 2, sync: true }));
  const onError = (err: unknown): void => log.error({ err: (err as Error).message }, 'alerting error');
  // Decisions are stored in order, one write at a time, and never block the alert path.
  let writes: Promise<void> = Promise.resolve();
  const storeDecision = (ev: Event): void => {
    writes = writes
      .then(() => store.insertEvents([ev]))
      .then(() => hooks.onStored?.([ev]))
      .catch(onError);
  };
  const { alerting, restored } = await Alerting.create({
    rules: await loadRules(cfg.rules),
    policy: cfg.alerts,
    store,
    notify: (n) => logNotification(log, n),
    onEvent: storeDecision,
    onError,
  });
  if (restored) log.info({ restored }, 'alerting state restored');
  alerting.start();
  const seen = new RecentIds(200_000);
  const retention = startRetention(store, cfg.store, {
    onReport: (r) => log.info({ retention: r }, 'retention pass'),
    onError: (err) => log.error({ err: (err as Error).message }, 'retention failed'),
  });
  return {
    alerting,
    retention,
    ingest: (events) => {
      // Our own decisions are not rule input (a rule on alert.* would feed back into itself), and a
      // batch an agent re-sends after a lost ack is stored once (store dedup) so must count once here.
      const input = events.filter((e) => !e.kind.startsWith('alert.') && seen.first(e));
      if (input.length) alerting.ingest(input);
    },
    async stop() {
      await alerting.stop();
      await retention.stop();
      await writes;
    },
  };
}
