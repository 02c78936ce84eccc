/**
 * Ships the spool to `pptpmon server`: batches in order, bearer token, TLS when the URL is https (with
 * an optional CA file for a private CA). The spool position is acknowledged only after a 2xx, so a
 * server outage, a network error or an agent crash all end in a replay, never a loss; the server's
 * store dedups replays by event id. Backoff doubles up to `maxBackoffMs` while the server is away.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Spool, SpoolPosition } from './spool.js';
import { toBody, type AgentItem } from './items.js';

export interface PostResult {
  status: number;
  body: string;
}

/** POSTs `payload` as JSON; a Buffer is sent as it is (JSON already encoded by the caller). */
export function postJson(
  url: string,
  token: string,
  payload: unknown,
  opts: { ca?: string | Buffer; timeoutMs?: number } = {},
): Promise<PostResult> {
  const u = new URL(url);
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  const req = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(
      u,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: `Bearer ${token}`,
        },
        ca: opts.ca,
        timeout: opts.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`timeout after ${opts.timeoutMs ?? 15_000} ms`)));
    r.on('error', reject);
    r.end(body);
  });
}

export interface ShipperOptions {
  /** Base URL of the server, e.g. https://monitor:9723 */
  url: string;
  token: string;
  host: string;
  ca?: string | Buffer;
  batchSize?: number;
  idleMs?: number;
  maxBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onNote?: (note: string) => void;
  post?: typeof postJson;
}

export type ShipOutcome = 'idle' | 'sent' | 'failed';

export class Shipper {
  private running = false;
  private backoffMs = 0;
  sentItems = 0;
  failures = 0;
  /** Set while the server is unreachable (for /metrics and logs: say it once, not every retry). */
  outage = false;

  constructor(
    private readonly spool: Spool<AgentItem>,
    private readonly opts: ShipperOptions,
  ) {}

  /**
   * The next batch, encoded. The parsed items die here, before the request: kept across the await
   * (a loaded server takes 0.1-1 s to answer) they outlived two scavenges and were promoted, so each
   * batch of 500 events became old-generation garbage during a burst (issue 5: the agent's peak RSS).
   */
  private nextBatch(): { body?: Buffer; count: number; next: SpoolPosition } {
    const { items, next } = this.spool.peek(this.opts.batchSize ?? 500);
    if (items.length === 0) return { count: 0, next };
    return {
      body: Buffer.from(JSON.stringify(toBody(this.opts.host, items))),
      count: items.length,
      next,
    };
  }

  /** One batch: send the oldest unacknowledged items, ack on success. */
  async shipOnce(): Promise<ShipOutcome> {
    const { body, count, next } = this.nextBatch();
    if (body === undefined) {
      this.spool.ack(next); // skips past corrupt lines and empties finished segments
      return 'idle';
    }
    try {
      const res = await (this.opts.post ?? postJson)(
        `${this.opts.url.replace(/\/$/, '')}/api/v1/ingest`,
        this.opts.token,
        body,
        { ca: this.opts.ca },
      );
      if (res.status < 200 || res.status >= 300) {
        throw new Error(`server answered ${res.status}: ${res.body.slice(0, 200)}`);
      }
      this.spool.ack(next);
      this.sentItems += count;
      if (this.outage) this.opts.onNote?.('server reachable again; spool replaying');
      this.outage = false;
      this.backoffMs = 0;
      return 'sent';
    } catch (err) {
      this.failures++;
      if (!this.outage) this.opts.onNote?.(`shipping failed, spooling to disk: ${(err as Error).message}`);
      this.outage = true;
      this.backoffMs = Math.min(Math.max(500, this.backoffMs * 2), this.opts.maxBackoffMs ?? 30_000);
      return 'failed';
    }
  }

  async run(): Promise<void> {
    this.running = true;
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    while (this.running) {
      const r = await this.shipOnce();
      if (r === 'idle') await sleep(this.opts.idleMs ?? 1000);
      else if (r === 'failed') await sleep(this.backoffMs);
    }
  }

  stop(): void {
    this.running = false;
  }
}
