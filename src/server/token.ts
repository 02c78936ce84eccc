/**
 * Bearer tokens and listen addresses from the configuration. No fastify here: the agent's own listener
 * (src/agent/listen.ts) can check tokens without loading it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Reads a token file (trimmed); refuses an empty or short token, naming the file. */
export function readToken(file: string): string {
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new Error(`${file}: token must be at least 16 characters`);
  return token;
}

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The token kept in `file` (created 0600 with a new token if absent, so a restart keeps the token
 * clients were given). A file others can read is narrowed to 0600: the token guards the whole API.
 */
export function loadOrCreateToken(file: string): string {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return readToken(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx': two processes starting at once must not each write their own token.
    writeFileSync(file, `${generateToken()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  return readToken(file);
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
