/**
 * Start-up and shutdown that `pptpmon run` and `pptpmon server` share around the API: the bearer
 * token and TLS files from `server:`, and waiting for SIGINT/SIGTERM before stopping in order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { ServerOptions } from './app.js';
import { loadOrCreateToken, readToken } from './token.js';

export type ApiAuth = Pick<ServerOptions, 'token' | 'https'>;

/**
 * The token from `server.tokenFile`, or else the one kept in STATEDIR/api-token (generated 0600 on
 * the first start and reused after): only its path is printed, never the token (stdout ends up in the
 * journal). The TLS certificate and key when `server.tls` is set. Read before anything listens, so a
 * bad file stops the command with the file named.
 */
export function apiAuth(server: Config['server'], command: string, stateDir: string): ApiAuth {
  let token: string;
  if (server.tokenFile) token = readToken(server.tokenFile);
  else {
    const file = join(stateDir, 'api-token');
    token = loadOrCreateToken(file);
    process.stdout.write(
      `pptpmon ${command}: API token in ${file} (set server.tokenFile to use another file)\n`,
    );
  }
  const tls = server.tls;
  return {
    token,
    ...(tls ? { https: { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } } : {}),
  };
}

/**
 * Resolves once `stop` has finished after the first SIGINT or SIGTERM: the commands await this, then
 * return, so the process ends when everything they started is closed.
 */
export function untilStopped(stop: () => Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (): void => void stop().then(() => resolve());
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
