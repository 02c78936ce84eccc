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
  /**
   * Events this process newly stored (insertEventsReport's `fresh`; replays already left out by the
   * caller): evaluated by the rules.
   */
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

/**
 * The store seen through a memory of which events it reported as replays (`pptpmon run`: the agent
 * writes into `store`, then hands the same event objects to `fresh`, which drops those the store
 * already had: lines re-read after a kill -9 between the write and the checkpoint). Calls go to the
 * real store with it as `this`; only insertEvents is different.
 */
export function freshTracker(store: Store): { store: Store; fresh(events: readonly Event[]): Event[] } {
  const replays = new WeakSet<Event>();
  const insertEvents = async (events: readonly Event[]): Promise<string[]> => {
    const r = await store.insertEventsReport(events);
    r.fresh.forEach((f, i) => {
      const ev = events[i];
      if (!f && ev) replays.add(ev);
    });
    return r.ids;
  };
  const tracked = new Proxy(store, {
    get(target, prop) {
      if (prop === 'insertEvents') return insertEvents;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: tracked, fresh: (events) => events.filter((e) => !replays.has(e)) };
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
  const retention = startRetention(store, cfg.store, {
    onReport: (r) => log.info({ retention: r }, 'retention pass'),
    onError: (err) => log.error({ err: (err as Error).message }, 'retention failed'),
  });
  return {
    alerting,
    retention,
    ingest: (events) => {
      // Our own decisions are not rule input (a rule on alert.* would feed back into itself).
      const input = events.filter((e) => !e.kind.startsWith('alert.'));
      if (input.length) alerting.ingest(input);
    },
    async stop() {
      await alerting.stop();
      await retention.stop();
      await writes;
    },
  };
}
