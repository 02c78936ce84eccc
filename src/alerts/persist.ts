/**
 * The persistence edge of alerting: mirrors alert state into the Store (SQLite or PostgreSQL) as it
 * changes, records silences and acknowledgements with an audit entry each, and on start restores
 * what was active, so a restart neither re-pages firing alerts nor forgets silences and acks.
 * The core (manager.ts) stays synchronous and pure; writes are queued here in order.
 */
import type { AlertRecord, Silence, Store, StoredSilence } from '../store/index.js';
import { addAck, addSilence, expireSilence } from './admin.js';
import type { Alert, AlertManager } from './manager.js';
import { redactRecord, redactText } from './redact.js';

export interface LoadReport {
  alerts: number;
  silences: number;
  acks: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function toAlertRecord(a: Alert): AlertRecord {
  const annotations: Record<string, string> = { summary: redactText(a.summary) };
  if (a.explainedBy !== undefined) annotations.explainedBy = a.explainedBy;
  if (a.silencedBy.length > 0) annotations.silencedBy = a.silencedBy.join(',');
  if (a.value !== undefined) annotations.value = String(a.value);
  const r: AlertRecord = {
    fingerprint: a.fingerprint,
    rule: a.rule,
    status: a.status,
    severity: a.severity,
    labels: redactRecord(a.labels),
    annotations,
    startsAt: iso(a.startsAtMs),
    updatedAt: iso(a.updatedAtMs),
  };
  if (a.endsAtMs !== undefined) r.endsAt = iso(a.endsAtMs);
  return r;
}

export class AlertPersistence {
  private queue: Promise<void> = Promise.resolve();
  private failures = 0;

  constructor(
    private readonly store: Store,
    private readonly am: AlertManager,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Number of writes that failed (reported through onError, never thrown into the alert path). */
  get writeFailures(): number {
    return this.failures;
  }

  /** Restores active alerts (as already notified), silences in force and acks still valid. */
  async load(nowMs: number): Promise<LoadReport> {
    const report: LoadReport = { alerts: 0, silences: 0, acks: 0 };
    for (const s of await this.store.silences(iso(nowMs))) {
      this.am.silences.add(s);
      report.silences++;
    }
    for (const a of await this.store.activeAlerts()) {
      if (a.status !== 'firing') continue;
      const restored: Parameters<AlertManager['restore']>[0] = {
        fingerprint: a.fingerprint,
        rule: a.rule,
        labels: a.labels,
        severity: a.severity === 'critical' ? 'critical' : 'warning',
        status: 'firing',
        startsAtMs: Date.parse(a.startsAt),
        updatedAtMs: Date.parse(a.updatedAt),
        summary: a.annotations.summary ?? a.rule,
      };
      this.am.restore(restored, nowMs);
      report.alerts++;
      const acks = await this.store.acks(a.fingerprint);
      const last = acks.at(-1);
      if (last !== undefined && (last.until === undefined || Date.parse(last.until) > nowMs)) {
        const ack: Parameters<AlertManager['acknowledge']>[0] = {
          fingerprint: a.fingerprint,
          by: last.by,
          atMs: Date.parse(last.ts),
        };
        if (last.until !== undefined) ack.untilMs = Date.parse(last.until);
        if (this.am.acknowledge(ack)) report.acks++;
      }
    }
    return report;
  }

  /**
   * Picks up silences and acknowledgements written by another process (the `pptpmon alerts` CLI,
   * or the API of another instance) since the last load or sync. Call every few seconds.
   */
  async sync(nowMs: number): Promise<void> {
    const inStore = await this.store.silences(iso(nowMs));
    const known = new Set(this.am.silences.list().map((s) => s.id));
    for (const s of inStore) if (!known.has(s.id)) this.am.silences.add(s);
    // Expired in the store (by the CLI): end it here too. Config silences never come from the store.
    const live = new Set(inStore.map((s) => s.id));
    for (const s of this.am.silences.list()) {
      if (s.createdBy !== 'config' && !live.has(s.id)) this.am.silences.expire(s.id, nowMs);
    }
    for (const a of this.am.list()) {
      if (a.status !== 'firing' || a.explainedBy !== undefined || this.am.isAcked(a.fingerprint, nowMs))
        continue;
      const last = (await this.store.acks(a.fingerprint)).at(-1);
      if (last === undefined || Date.parse(last.ts) < a.startsAtMs) continue;
      if (last.until !== undefined && Date.parse(last.until) <= nowMs) continue;
      const ack: Parameters<AlertManager['acknowledge']>[0] = {
        fingerprint: a.fingerprint,
        by: last.by,
        atMs: Date.parse(last.ts),
      };
      if (last.until !== undefined) ack.untilMs = Date.parse(last.until);
      this.am.acknowledge(ack);
    }
  }

  /** Starts mirroring every alert change into the store. */
  attach(): void {
    this.am.onChange = (a) => {
      const rec = toAlertRecord(a);
      this.enqueue(() => this.store.upsertAlert(rec));
    };
  }

  async addSilence(s: Silence, nowMs: number): Promise<StoredSilence> {
    const stored = await addSilence(this.store, s, nowMs);
    this.am.silences.add(stored);
    return stored;
  }

  async expireSilence(id: string, by: string, nowMs: number): Promise<boolean> {
    const ok = await expireSilence(this.store, id, by, nowMs);
    this.am.silences.expire(id, nowMs);
    return ok;
  }

  /** Acknowledges (stops escalation and reminders), durably and audited. */
  async acknowledge(
    fp: string,
    by: string,
    nowMs: number,
    opts: { untilMs?: number; comment?: string } = {},
  ): Promise<boolean> {
    const ack: Parameters<AlertManager['acknowledge']>[0] = { fingerprint: fp, by, atMs: nowMs };
    if (opts.untilMs !== undefined) ack.untilMs = opts.untilMs;
    if (opts.comment !== undefined) ack.comment = opts.comment;
    if (!this.am.acknowledge(ack)) return false;
    await addAck(this.store, fp, by, nowMs, opts);
    return true;
  }

  /** Resolves once every queued write is durable (or has failed and been reported). */
  flush(): Promise<void> {
    return this.queue;
  }

  private enqueue(write: () => Promise<unknown>): void {
    this.queue = this.queue.then(write).then(
      () => undefined,
      (err: unknown) => {
        this.failures++;
        this.onError(err);
      },
    );
  }
}
