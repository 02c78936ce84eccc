/**
 * Silences and maintenance windows. A silence mutes the alerts its matchers select between startsAt
 * and endsAt; with a `schedule` it is a recurring maintenance window (cron + IANA zone + duration)
 * that applies only inside its windows, within the overall startsAt..endsAt range. Muted alerts are
 * kept and shown (with the silence ids), never dropped: only their notifications are held back.
 * The shape is the store's Silence (src/store/types.ts), so silences persist unchanged.
 */
import { matchesAll, type LabelMatcher } from './matchers.js';
import { CronWindow } from './schedule.js';

export interface SilenceSpec {
  id: string;
  matchers: LabelMatcher[];
  startsAt: string;
  endsAt?: string;
  schedule?: { cron: string; timezone: string; durationMs: number };
  createdBy: string;
  comment?: string;
  createdAt: string;
}

export class CompiledSilence {
  private readonly startMs: number;
  private readonly endMs: number;
  private readonly window: CronWindow | undefined;

  constructor(readonly spec: SilenceSpec) {
    if (spec.matchers.length === 0) throw new Error(`silence ${spec.id}: needs at least one matcher`);
    this.startMs = Date.parse(spec.startsAt);
    this.endMs = spec.endsAt === undefined ? Infinity : Date.parse(spec.endsAt);
    if (!Number.isFinite(this.startMs))
      throw new Error(`silence ${spec.id}: bad startsAt ${JSON.stringify(spec.startsAt)}`);
    if (Number.isNaN(this.endMs))
      throw new Error(`silence ${spec.id}: bad endsAt ${JSON.stringify(spec.endsAt)}`);
    const s = spec.schedule;
    this.window = s ? new CronWindow(s.cron, s.timezone, s.durationMs) : undefined;
  }

  private cachedAtMs = NaN;
  private cachedActive = false;

  activeAt(tMs: number): boolean {
    if (tMs < this.startMs || tMs >= this.endMs) return false;
    if (this.window === undefined) return true;
    // Asked once per firing alert per tick: compute the window once per instant.
    if (tMs !== this.cachedAtMs) {
      this.cachedAtMs = tMs;
      this.cachedActive = this.window.activeAt(tMs);
    }
    return this.cachedActive;
  }

  /** Past its overall end: can be dropped from memory (the store keeps it for history). */
  expiredAt(tMs: number): boolean {
    return tMs >= this.endMs;
  }

  mutes(labels: Readonly<Record<string, string>>, tMs: number): boolean {
    return matchesAll(this.spec.matchers, labels) && this.activeAt(tMs);
  }
}

export class SilenceSet {
  private readonly silences = new Map<string, CompiledSilence>();

  add(spec: SilenceSpec): CompiledSilence {
    const c = new CompiledSilence(spec);
    this.silences.set(spec.id, c);
    return c;
  }

  /** Ends a silence now (kept in the list until pruned, like the store keeps it). */
  expire(id: string, atMs: number): boolean {
    const c = this.silences.get(id);
    if (c === undefined) return false;
    this.silences.set(id, new CompiledSilence({ ...c.spec, endsAt: new Date(atMs).toISOString() }));
    return true;
  }

  /** Ids of the silences muting these labels now. */
  mutedBy(labels: Readonly<Record<string, string>>, tMs: number): string[] {
    const ids: string[] = [];
    for (const [id, s] of this.silences) if (s.mutes(labels, tMs)) ids.push(id);
    return ids;
  }

  prune(tMs: number): void {
    for (const [id, s] of this.silences) if (s.expiredAt(tMs)) this.silences.delete(id);
  }

  list(): SilenceSpec[] {
    return [...this.silences.values()].map((s) => s.spec);
  }
}
