/**
 * Start-up and shutdown that `pptpmon run` and `pptpmon server` share around the API: the bearer
 * token and TLS files from `server:`, and waiting for SIGINT/SIGTERM before stopping in order.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/index.js';
import type { ServerOptions } from './app.js';
import { generateToken, readToken } from './token.js';

export type ApiAuth = Pick<ServerOptions, 'token' | 'https'>;

/**
 * The token from `server.tokenFile`, or a generated one printed once on stdout (prefixed with the
 * command's name), and the TLS certificate and key when `server.tls` is set. Read before anything
 * listens, so a bad file stops the command with the file named.
 */
export function apiAuth(server: Config['server'], command: string): ApiAuth {
  let token: string;
  if (server.tokenFile) token = readToken(server.tokenFile);
  else {
    token = generateToken();
    process.stdout.write(
      `pptpmon ${command}: API token (shown once, set server.tokenFile to keep one): ${token}\n`,
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
