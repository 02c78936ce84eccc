/**
 * Operator actions on alerting state, shared by the CLI (`pptpmon alerts`) and the persistence edge:
 * validated input in, durable store records out, each with an audit entry. Input errors are
 * AdminError values naming the field, never half-written state.
 */
import { parseDuration } from '../config/schema.js';
import type { Silence, Store, StoredAck, StoredSilence } from '../store/index.js';
import { formatMatcher, parseMatcher, type LabelMatcher } from './matchers.js';
import { CronWindow } from './schedule.js';

export class AdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminError';
  }
}

export interface SilenceInput {
  /** `name="value"`, `name=~"regex"`, ... at least one. */
  matchers: string[];
  by: string;
  comment?: string;
  /** Start (ISO 8601); default now. */
  startsAt?: string;
  /** How long from the start (`2h`), or an end time; neither: until expired. */
  duration?: string;
  endsAt?: string;
  /** Recurring maintenance window: cron (5 fields) + IANA zone + window length. */
  cron?: string;
  timezone?: string;
  windowDuration?: string;
}

function ms(what: string, text: string): number {
  const v = parseDuration(text);
  if (v === undefined || v <= 0)
    throw new AdminError(`${what}: expected a duration like "2h", got ${JSON.stringify(text)}`);
  return v;
}

function time(what: string, text: string): number {
  const v = Date.parse(text);
  if (!Number.isFinite(v))
    throw new AdminError(`${what}: expected an ISO 8601 time, got ${JSON.stringify(text)}`);
  return v;
}

/** Validates operator input into the store's Silence shape. */
export function buildSilence(input: SilenceInput, nowMs: number): Silence {
  if (input.matchers.length === 0)
    throw new AdminError('matchers: at least one is needed (e.g. alertname="cpu-high")');
  let matchers: LabelMatcher[];
  try {
    matchers = input.matchers.map(parseMatcher);
  } catch (err) {
    throw new AdminError(`matchers: ${(err as Error).message}`);
  }
  if (input.by.trim() === '') throw new AdminError('by: who is silencing must be named');
  const start = input.startsAt !== undefined ? time('startsAt', input.startsAt) : nowMs;
  const s: Silence = {
    matchers,
    startsAt: new Date(start).toISOString(),
    createdBy: input.by,
    createdAt: new Date(nowMs).toISOString(),
  };
  if (input.duration !== undefined && input.endsAt !== undefined)
    throw new AdminError('give either a duration or endsAt, not both');
  if (input.duration !== undefined) s.endsAt = new Date(start + ms('duration', input.duration)).toISOString();
  if (input.endsAt !== undefined) {
    const end = time('endsAt', input.endsAt);
    if (end <= start) throw new AdminError('endsAt: must be after the start');
    s.endsAt = new Date(end).toISOString();
  }
  if (input.cron !== undefined || input.timezone !== undefined || input.windowDuration !== undefined) {
    if (input.cron === undefined || input.timezone === undefined || input.windowDuration === undefined) {
      throw new AdminError('a maintenance window needs cron, timezone and window duration together');
    }
    const durationMs = ms('window duration', input.windowDuration);
    try {
      new CronWindow(input.cron, input.timezone, durationMs);
    } catch (err) {
      throw new AdminError((err as Error).message);
    }
    s.schedule = { cron: input.cron, timezone: input.timezone, durationMs };
  }
  if (input.comment !== undefined) s.comment = input.comment;
  return s;
}

export async function addSilence(store: Store, s: Silence, nowMs: number): Promise<StoredSilence> {
  const stored = await store.addSilence(s);
  await store.appendAudit({
    ts: new Date(nowMs).toISOString(),
    actor: s.createdBy,
    action: 'silence.add',
    subject: stored.id,
    detail: {
      matchers: s.matchers.map(formatMatcher),
      ...(s.endsAt ? { endsAt: s.endsAt } : {}),
      ...(s.schedule
        ? { schedule: `${s.schedule.cron} ${s.schedule.timezone} ${s.schedule.durationMs}ms` }
        : {}),
      ...(s.comment ? { comment: s.comment } : {}),
    },
  });
  return stored;
}

export async function expireSilence(store: Store, id: string, by: string, nowMs: number): Promise<boolean> {
  const ok = await store.expireSilence(id, new Date(nowMs).toISOString());
  if (ok)
    await store.appendAudit({
      ts: new Date(nowMs).toISOString(),
      actor: by,
      action: 'silence.expire',
      subject: id,
    });
  return ok;
}

export async function addAck(
  store: Store,
  fingerprint: string,
  by: string,
  nowMs: number,
  opts: { untilMs?: number; comment?: string } = {},
): Promise<StoredAck> {
  if (by.trim() === '') throw new AdminError('by: who acknowledges must be named');
  const ack = await store.addAck({
    fingerprint,
    by,
    ts: new Date(nowMs).toISOString(),
    ...(opts.untilMs !== undefined ? { until: new Date(opts.untilMs).toISOString() } : {}),
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
  });
  await store.appendAudit({
    ts: new Date(nowMs).toISOString(),
    actor: by,
    action: 'ack.add',
    subject: fingerprint,
    ...(opts.comment !== undefined ? { detail: { comment: opts.comment } } : {}),
  });
  return ack;
}

export { ms as parseAdminDuration };
