/**
 * The one outstanding request of a PPTP control connection (ctrl-client.ts) and its deadline. PPTP
 * gives each request exactly one reply (RFC 2637 section 2), so the client waits for one at a time.
 */
import type { ControlMessage } from './messages.js';
import { PptpControlError, type CtrlStep } from './errors.js';

interface Waiter {
  step: CtrlStep;
  want: string;
  accept: (m: ControlMessage) => boolean;
  resolve: (m: ControlMessage) => void;
  reject: (e: PptpControlError) => void;
  timer: NodeJS.Timeout;
}

export class PendingReply {
  private waiter: Waiter | undefined;

  /** The step and the awaited reply's name while a request is outstanding. */
  get current(): { step: CtrlStep; want: string } | undefined {
    return this.waiter;
  }

  /**
   * Waits for the first message `accept` takes, or times out after `timeoutMs`; `send` puts the request
   * on the wire once the wait is in place (a fast reply cannot arrive before it).
   */
  wait(
    step: CtrlStep,
    want: string,
    accept: (m: ControlMessage) => boolean,
    timeoutMs: number,
    send: () => void,
  ): Promise<ControlMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new PptpControlError('timeout', step, `no ${want} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = { step, want, accept, resolve, reject, timer };
      send();
    });
  }

  /** Hands `m` to the waiting request if it is the reply; true if it was taken. */
  offer(m: ControlMessage): boolean {
    const w = this.waiter;
    if (!w || !w.accept(m)) return false;
    clearTimeout(w.timer);
    this.waiter = undefined;
    w.resolve(m);
    return true;
  }

  /** Fails the waiting request, if there is one. */
  fail(err: PptpControlError): void {
    const w = this.waiter;
    if (!w) return;
    clearTimeout(w.timer);
    this.waiter = undefined;
    w.reject(err);
  }
}
