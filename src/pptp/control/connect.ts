/**
 * The TCP connect of the PPTP control client (ctrl-client.ts), with its own deadline: a filtered port
 * answers nothing, and the kernel's SYN retries would take minutes to say so.
 */
import net from 'node:net';
import { PptpControlError, connectError } from './errors.js';

/**
 * Connects `socket` to host:port; resolves with the handshake time (ms on `now`), rejects with
 * refused / timeout / unreachable / connect_failed and the socket destroyed.
 */
export function connectWithin(
  socket: net.Socket,
  host: string,
  port: number,
  timeoutMs: number,
  now: () => number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new PptpControlError('timeout', 'tcp', `no TCP answer from ${host}:${port} within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const onError = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(connectError(err, host, port));
    };
    socket.once('error', onError);
    socket.connect({ host, port }, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(now() - t0);
    });
  });
}
