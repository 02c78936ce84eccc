/**
 * Typed failures of the PPTP control client (ctrl-client.ts): a code a probe maps onto stage/reason
 * without parsing messages, the step it happened in, and the offending reply when there was one.
 */
import type { ControlMessage } from './messages.js';

/** What went wrong, as a value a probe can map onto its stage/reason without parsing messages. */
export type CtrlErrorCode =
  | 'refused' // TCP RST: nothing listens on the port
  | 'timeout' // no answer in time: filtered port, dead server, or a peer that never replies
  | 'unreachable' // ICMP host/network unreachable
  | 'connect_failed' // any other socket error while connecting
  | 'closed' // the peer closed the connection while we waited
  | 'protocol' // bytes that are not a valid control message (see `decode` for which rule)
  | 'unexpected' // a valid message that is not the reply we wait for
  | 'rejected' // the reply says no (Result Code other than success)
  | 'stopped_by_peer'; // the server sent Stop-Control-Connection-Request

/** The step a request belongs to; probes report it as their stage. */
export type CtrlStep = 'tcp' | 'sccrq' | 'echo' | 'ocrq' | 'ccrq' | 'stop';

export class PptpControlError extends Error {
  constructor(
    readonly code: CtrlErrorCode,
    readonly step: CtrlStep,
    message: string,
    /** The offending reply, when there was one (e.g. an SCCRP with result 4). */
    readonly reply?: ControlMessage,
  ) {
    super(message);
    this.name = 'PptpControlError';
  }
}

/** Maps a socket error from connect() onto a typed error. */
export function connectError(err: NodeJS.ErrnoException, host: string, port: number): PptpControlError {
  const where = `${host}:${port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new PptpControlError('refused', 'tcp', `connection refused by ${where}`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new PptpControlError('unreachable', 'tcp', `${where} unreachable (${err.code})`);
    case 'ETIMEDOUT':
      return new PptpControlError('timeout', 'tcp', `TCP connect to ${where} timed out`);
    default:
      return new PptpControlError(
        'connect_failed',
        'tcp',
        `cannot connect to ${where}: ${err.code ?? err.message}`,
      );
  }
}
