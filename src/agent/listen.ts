/**
 * The agent's own HTTP listener: /healthz, /metrics (Prometheus) and /api/v1/sessions (live sessions),
 * the token on everything but /healthz — the same routes, token rule and answers as the server's
 * (src/server/app.ts), which the agent used to run for these three GETs. Written on node:http because
 * the agent is held to 80 MB RSS (issue 5) and fastify with its plugins, zod body schemas and the
 * alerts API cost ~7 MB of it for three read-only routes; the server keeps fastify.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tokenMatches } from '../server/token.js';
import { sessionsPerUser } from '../collectors/per-user.js';

export interface AgentListenerOptions {
  token: string;
  metrics?: { contentType: string; text(): Promise<string> };
  liveSessions?: () => readonly { user?: string }[];
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** fastify's error body shape, so clients of the server and of the agent see one format. */
function error(res: ServerResponse, status: number, name: string, message: string): void {
  json(res, status, { statusCode: status, error: name, message });
}

async function handle(opts: AgentListenerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const known = path === '/healthz' || path === '/metrics' || path === '/api/v1/sessions';
  if (!known) return error(res, 404, 'Not Found', `Route ${req.method ?? ''}:${path ?? ''} not found`);
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return error(res, 405, 'Method Not Allowed', `${req.method ?? ''} not allowed on ${path}`);
  if (path === '/healthz') return json(res, 200, { ok: true });
  // The token guards /metrics too: its labels name hosts and rules.
  if (!tokenMatches(req.headers.authorization, opts.token))
    return error(res, 401, 'Unauthorized', 'missing or wrong bearer token');
  if (path === '/metrics') {
    if (!opts.metrics) return error(res, 404, 'Not Found', 'no metrics');
    const text = await opts.metrics.text();
    res.writeHead(200, { 'content-type': opts.metrics.contentType });
    res.end(text);
    return;
  }
  const sessions = opts.liveSessions?.() ?? [];
  json(res, 200, { sessions, perUser: sessionsPerUser(sessions) });
}

export interface AgentListener {
  server: Server;
  address(): AddressInfo;
  close(): Promise<void>;
}

export async function listenAgent(
  opts: AgentListenerOptions,
  at: { host: string; port: number },
): Promise<AgentListener> {
  const server = createServer((req, res) => {
    // A request body is never read (GET only): drain it so keep-alive connections stay usable.
    req.resume();
    handle(opts, req, res).catch((err: unknown) => {
      if (!res.headersSent) error(res, 500, 'Internal Server Error', (err as Error).message);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    address: () => server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
