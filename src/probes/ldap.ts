/**
 * `ldap` probe: the directory behind PPTP logins (FreeRADIUS rlm_ldap or a pppd plugin) must answer a
 * bind and a search quickly, or logins stall at authentication. Binds as the configured DN (anonymous
 * without one), searches the base with the filter, and reports bind and search latency and the entry
 * count. A search with an explicit filter that finds nothing fails with `not_found` (the test user is
 * gone from the directory).
 *
 * Uses ldapts (maintained, typed, promise-based; 8.x is the line that supports Node 20): LDAP's BER
 * encoding is not the product here, the monitoring is.
 */
import { Client, InvalidCredentialsError, NoSuchObjectError, ResultCodeError } from 'ldapts';
import {
  failed,
  outcome,
  roundMs,
  type JsonValue,
  type Probe,
  type ProbeContext,
  type ProbeOutcome,
} from './types.js';
import type { ProbeStage } from '../events/index.js';

interface Classified {
  stage: ProbeStage;
  reason: string;
  detail: string;
}

/** Maps ldapts / socket errors onto stage and reason. `step` is where we were. */
export function classifyLdapError(err: unknown, step: 'bind' | 'search', url: string): Classified {
  const stepStage: ProbeStage = step === 'bind' ? 'auth' : 'data';
  if (err instanceof InvalidCredentialsError) {
    return { stage: 'auth', reason: 'bad_password', detail: 'bind refused: invalidCredentials (49)' };
  }
  if (err instanceof NoSuchObjectError) {
    return { stage: stepStage, reason: 'no_such_object', detail: `${step}: noSuchObject (32)` };
  }
  if (err instanceof ResultCodeError) {
    return {
      stage: stepStage,
      reason: `ldap_${err.code}`,
      detail: `${step}: LDAP result ${err.code} (${err.constructor.name})`,
    };
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNREFUSED')
    return { stage: 'tcp', reason: 'refused', detail: `connection refused by ${url}` };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return { stage: 'tcp', reason: 'unreachable', detail: `${url} unreachable (${code})` };
  if (message === 'Connection timeout')
    return { stage: 'tcp', reason: 'timeout', detail: `no TCP answer from ${url}` };
  if (/timed out/i.test(message))
    return { stage: stepStage, reason: 'timeout', detail: `${step}: no answer in time` };
  if (/Connection closed|Socket error/.test(message))
    return { stage: stepStage, reason: 'closed', detail: `${step}: connection closed by the server` };
  return { stage: stepStage, reason: 'error', detail: `${step}: ${message.split('\n')[0] ?? message}` };
}

async function runLdap(ctx: ProbeContext): Promise<ProbeOutcome> {
  const o = ctx.ldap;
  const t0 = ctx.now();
  if (!o) return outcome(ctx, failed('ldap', 0, 'tcp', 'not_configured', 'no LDAP URL configured'));
  const fields: Record<string, JsonValue> = { url: o.url };
  if (o.bindDn) fields.bindDn = o.bindDn;
  const client = new Client({ url: o.url, timeout: ctx.timeoutMs, connectTimeout: ctx.timeoutMs });
  let step: 'bind' | 'search' = 'bind';
  try {
    const tb = ctx.now();
    // Anonymous bind when no DN is configured: still proves the server speaks LDAP.
    await client.bind(o.bindDn ?? '', o.bindDn ? (o.password ?? '') : '');
    fields.bindMs = roundMs(ctx.now() - tb);
    if (o.base) {
      step = 'search';
      const ts = ctx.now();
      const res = await client.search(o.base, {
        scope: 'sub',
        filter: o.filter ?? '(objectClass=*)',
        sizeLimit: 10,
        attributes: ['dn'],
      });
      fields.searchMs = roundMs(ctx.now() - ts);
      fields.entries = res.searchEntries.length;
      if (o.filter && res.searchEntries.length === 0) {
        return outcome(
          ctx,
          failed(
            'ldap',
            ctx.now() - t0,
            'data',
            'not_found',
            `no entry under ${o.base} matches ${o.filter}`,
            fields,
          ),
        );
      }
    }
  } catch (err) {
    const c = classifyLdapError(err, step, o.url);
    return outcome(ctx, failed('ldap', ctx.now() - t0, c.stage, c.reason, c.detail, fields));
  } finally {
    await client.unbind().catch(() => undefined);
  }
  return outcome(ctx, { check: 'ldap', ok: true, ms: roundMs(ctx.now() - t0), ...fields });
}

export const ldapProbe: Probe = {
  name: 'ldap',
  summary: 'LDAP bind + search latency and result',
  run: runLdap,
  requires: ['ldap'],
  deadlineMs: (ctx) => 3 * ctx.timeoutMs + 1000,
};
