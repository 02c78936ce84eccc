/**
 * WHERE clauses shared by both drivers. Each builder takes a placeholder function (`?` for SQLite,
 * `$n` for PostgreSQL) and returns SQL plus parameters, so the query meaning is written once.
 */
import { likePrefix, StoreInputError, toMs } from './codec.js';
import type { ActionQuery, AlertQuery, EventQuery, SessionQuery } from './types.js';

export type SqlParam = string | number | null;
export type Placeholder = (params: SqlParam[], value: SqlParam) => string;

export const sqlitePlaceholder: Placeholder = (params, value) => {
  params.push(value);
  return '?';
};

export const pgPlaceholder: Placeholder = (params, value) => {
  params.push(value);
  return `$${params.length}`;
};

/**
 * SQL written once with `?` placeholders, numbered for PostgreSQL (`$1`, `$2`, ...). Only for our
 * own statement texts (records.ts, shared.ts), which have no `?` inside literals.
 */
export function pgSql(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export interface Where {
  sql: string;
  params: SqlParam[];
}

function join(conds: string[]): string {
  return conds.length ? `WHERE ${conds.join(' AND ')}` : '';
}

export function eventWhere(q: Omit<EventQuery, 'limit' | 'order'>, ph: Placeholder): Where {
  const params: SqlParam[] = [];
  const c: string[] = [];
  if (q.kinds && q.kinds.length > 0) c.push(`kind IN (${q.kinds.map((k) => ph(params, k)).join(', ')})`);
  if (q.kindPrefix !== undefined) c.push(`kind LIKE ${ph(params, likePrefix(q.kindPrefix))} ESCAPE '\\'`);
  if (q.from !== undefined) c.push(`ts_ms >= ${ph(params, toMs(q.from, 'query.from'))}`);
  if (q.to !== undefined) c.push(`ts_ms < ${ph(params, toMs(q.to, 'query.to'))}`);
  if (q.host !== undefined) c.push(`host = ${ph(params, q.host)}`);
  if (q.session !== undefined) c.push(`session = ${ph(params, q.session)}`);
  if (q.user !== undefined) c.push(`usr = ${ph(params, q.user)}`);
  if (q.peer !== undefined) c.push(`peer = ${ph(params, q.peer)}`);
  if (q.severity !== undefined) c.push(`severity = ${ph(params, q.severity)}`);
  if (q.afterId !== undefined) {
    if (!/^\d+$/.test(q.afterId))
      throw new StoreInputError('query.afterId', `not a store id: ${JSON.stringify(q.afterId)}`);
    c.push(`id > ${ph(params, Number(q.afterId))}`);
  }
  return { sql: join(c), params };
}

export function sessionWhere(q: SessionQuery, ph: Placeholder): Where {
  const params: SqlParam[] = [];
  const c: string[] = [];
  const from = q.from === undefined ? undefined : toMs(q.from, 'query.from');
  const to = q.to === undefined ? undefined : toMs(q.to, 'query.to');
  const state = q.state ?? 'any';
  if (state === 'open') {
    c.push('end_ms IS NULL');
    if (to !== undefined) c.push(`(start_ms IS NULL OR start_ms < ${ph(params, to)})`);
  } else if (state === 'closed') {
    c.push('end_ms IS NOT NULL');
    if (from !== undefined) c.push(`end_ms >= ${ph(params, from)}`);
    if (to !== undefined) c.push(`end_ms < ${ph(params, to)}`);
  } else {
    if (to !== undefined) c.push(`(start_ms IS NULL OR start_ms < ${ph(params, to)})`);
    if (from !== undefined) c.push(`(end_ms IS NULL OR end_ms >= ${ph(params, from)})`);
  }
  if (q.host !== undefined) c.push(`host = ${ph(params, q.host)}`);
  if (q.user !== undefined) c.push(`usr = ${ph(params, q.user)}`);
  if (q.peer !== undefined) c.push(`peer = ${ph(params, q.peer)}`);
  return { sql: join(c), params };
}

export function alertWhere(q: AlertQuery, ph: Placeholder): Where {
  const params: SqlParam[] = [];
  const c: string[] = [];
  if (q.status !== undefined) c.push(`status = ${ph(params, q.status)}`);
  if (q.fingerprint !== undefined) c.push(`fingerprint = ${ph(params, q.fingerprint)}`);
  if (q.rule !== undefined) c.push(`rule = ${ph(params, q.rule)}`);
  if (q.to !== undefined) c.push(`starts_ms < ${ph(params, toMs(q.to, 'query.to'))}`);
  if (q.from !== undefined)
    c.push(`(ends_ms IS NULL OR ends_ms >= ${ph(params, toMs(q.from, 'query.from'))})`);
  return { sql: join(c), params };
}

export function actionWhere(q: ActionQuery, ph: Placeholder): Where {
  const params: SqlParam[] = [];
  const c: string[] = [];
  if (q.action !== undefined) c.push(`action = ${ph(params, q.action)}`);
  if (q.target !== undefined) c.push(`target = ${ph(params, q.target)}`);
  if (q.from !== undefined) c.push(`ts_ms >= ${ph(params, toMs(q.from, 'query.from'))}`);
  if (q.to !== undefined) c.push(`ts_ms < ${ph(params, toMs(q.to, 'query.to'))}`);
  return { sql: join(c), params };
}

/** Bucket start for a step, in SQL both engines evaluate as integer arithmetic. */
export function bucketExpr(col: string, stepPh: string): string {
  return `(${col} - (${col} % ${stepPh}))`;
}
