/**
 * Bearer tokens and listen addresses from the configuration. No fastify here: the agent's own listener
 * (src/agent/listen.ts) can check tokens without loading it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Reads a token file (trimmed); refuses an empty or short token, naming the file. */
export function readToken(file: string): string {
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new Error(`${file}: token must be at least 16 characters`);
  return token;
}

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** "127.0.0.1:9723", "[::1]:9723", ":9723" -> host and port, with a clear error otherwise. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535)
    throw new Error(`listen address ${JSON.stringify(text)}: expected HOST:PORT`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** True for `Authorization: Bearer TOKEN` with this token; compared in constant time (but for the length). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m?.[1]) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  // timingSafeEqual needs equal lengths; comparing lengths first leaks only the length.
  return a.length === b.length && timingSafeEqual(a, b);
}
