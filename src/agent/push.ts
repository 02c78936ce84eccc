/**
 * `pptpmon probe HOST --push URL`: one probe run's probe.* events sent to a server's ingest endpoint,
 * so the server's rules compare vantages (defaults.yaml `across: attrs.vantage`: down from every
 * vantage is the server, down from some is the path). Same wire format and token as the agent's
 * shipper; the token is never echoed in errors.
 */
import type { Event } from '../events/index.js';
import { postJson } from './ship.js';
import { readToken } from '../server/token.js';

export interface PushResult {
  accepted: number;
  rejected: Array<{ index: number; error: string }>;
}

export class PushError extends Error {}

export async function pushEvents(
  url: string,
  token: string,
  host: string,
  events: readonly Event[],
  opts: { ca?: Buffer; timeoutMs?: number } = {},
): Promise<PushResult> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new PushError(`--push: expected an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new PushError(`--push: expected an http(s) URL, got ${JSON.stringify(url)}`);
  const target = new URL('/api/v1/ingest', base).toString();
  let res;
  try {
    res = await postJson(target, token, { host, events, sessions: [] }, opts);
  } catch (err) {
    throw new PushError(`push to ${target} failed: ${(err as Error).message}`);
  }
  if (res.status < 200 || res.status > 299)
    throw new PushError(`push to ${target} refused: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as PushResult;
}

/** The token as the server reads its own (src/server/token.ts); errors name the path, never the content. */
export function readPushToken(file: string): string {
  try {
    return readToken(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PushError(`--token-file ${code ? `${file}: cannot read: ${code}` : (err as Error).message}`);
  }
}
