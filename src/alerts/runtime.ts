/**
 * Alerting as a running service, for `pptpmon run` / `pptpmon server` to wire in one place: events
 * in, rules evaluated, alerts managed, notifications out, state persisted. The clock and the timer
 * are injected (tests drive `tick` by hand); `start()` ticks every `tickMs` so tick-driven rules
 * (`for:`, absences, window decay) fire within tickMs of their crossing.
 */
import { makeEvent, type Event } from '../events/index.js';
import { RuleEngine, type RuleSpec } from '../rules/index.js';
import type { Store } from '../store/index.js';
import { AlertManager, type Alert } from './manager.js';
import type { Notification } from './notification.js';
import { AlertPersistence, type LoadReport } from './persist.js';
import type { AlertPolicy } from './policy.js';
import { redactText } from './redact.js';

/** The event recording an alert episode's start or end, on the alert's host. */
export function alertEvent(a: Alert, status: 'firing' | 'resolved'): Event {
  const ts = new Date(status === 'firing' ? a.startsAtMs : (a.endsAtMs ?? a.updatedAtMs)).toISOString();
  const host = a.labels.host ?? 'pptpmon';
  if (status === 'resolved') {
    return makeEvent('alert.resolved', {
      ts,
      host,
      severity: 'info',
      attrs: { rule: a.rule, fingerprint: a.fingerprint },
    });
  }
  return makeEvent('alert.firing', {
    ts,
    host,
    severity: a.severity,
    attrs: { rule: a.rule, fingerprint: a.fingerprint, summary: redactText(a.summary) },
  });
}

export interface AlertingOptions {
  rules: readonly RuleSpec[];
  policy: AlertPolicy;
  notify: (n: Notification) => void;
  store?: Store;
  now?: () => number;
  /** Default 50 ms: with the engine's tick cost this keeps "fires within 100 ms" (bench/rules). */
  tickMs?: number;
  /** How often silences/acks written by other processes are picked up. Default 10 s. */
  syncMs?: number;
  onError?: (err: unknown) => void;
  /** `alert.firing` / `alert.resolved` events (EVENTS.md decisions), for the store and the bus. */
  onEvent?: (ev: Event) => void;
}

export class Alerting {
  readonly engine: RuleEngine;
  readonly manager: AlertManager;
  readonly persistence: AlertPersistence | undefined;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private lastSyncMs = 0;
  private syncing = false;

  private constructor(private readonly opts: AlertingOptions) {
    this.now = opts.now ?? Date.now;
    this.engine = new RuleEngine(opts.rules);
    this.manager = new AlertManager(opts.policy, (n) => {
      try {
        opts.notify(n);
      } catch (err) {
        // A notifier bug must not stop alerting; the alert stays in the store and on the dashboard.
        opts.onError?.(err);
      }
    });
    this.persistence = opts.store ? new AlertPersistence(opts.store, this.manager, opts.onError) : undefined;
    const onEvent = opts.onEvent;
    if (onEvent !== undefined) this.manager.onTransition = (a, status) => onEvent(alertEvent(a, status));
  }

  /** Builds the service and restores persisted alerts, silences and acks. */
  static async create(opts: AlertingOptions): Promise<{ alerting: Alerting; restored?: LoadReport }> {
    const a = new Alerting(opts);
    if (a.persistence === undefined) return { alerting: a };
    const restored = await a.persistence.load(a.now());
    a.persistence.attach();
    return { alerting: a, restored };
  }

  ingest(events: readonly Event[]): void {
    for (const ev of events) this.manager.receive(this.engine.ingest(ev));
  }

  tick(nowMs: number = this.now()): void {
    this.manager.receive(this.engine.tick(nowMs));
    this.manager.tick(nowMs);
    const syncMs = this.opts.syncMs ?? 10_000;
    if (this.persistence !== undefined && !this.syncing && nowMs - this.lastSyncMs >= syncMs) {
      this.lastSyncMs = nowMs;
      this.syncing = true;
      this.persistence
        .sync(nowMs)
        .catch((err: unknown) => this.opts.onError?.(err))
        .finally(() => (this.syncing = false));
    }
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 50);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.persistence?.flush();
  }
}
