/**
 * One PPTP call from userspace: control connection (ctrl-client.ts), raw GRE (raw/gre-socket.ts) and the
 * PPP client (ppp-client.ts) wired together. This is the I/O edge the gre/mtu/login probes share; all
 * protocol decisions live in the pure modules. `close()` always walks the clean way down (LCP
 * Terminate, Call-Clear-Request, Stop-Control-Connection), each step bounded, whatever state we are in.
 */
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { PptpControlClient, PptpControlError, type CallInfo } from './ctrl-client.js';
import { describeError } from './decode.js';
import { GreLink } from './gre-link.js';
import { PppClient, type PppClientOptions, type PppEvent } from './ppp-client.js';
import { RawGreError, RawGreSocket } from './raw/gre-socket.js';

export interface TunnelOptions {
  host: string;
  port: number;
  timeoutMs: number;
  now: () => number;
  ppp: Omit<PppClientOptions, 'now' | 'random'>;
}

/** Why a tunnel could not be opened, in probe terms (ARCHITECTURE.md stages). */
export interface TunnelOpenFailure {
  stage: 'tcp' | 'sccrq' | 'ocrq' | 'gre';
  reason: string;
  detail: string;
}

export class PptpTunnel {
  readonly ppp: PppClient;
  /** GRE packets received from the server for our call (valid or not): 0 means GRE is not arriving. */
  greReceived = 0;
  greErrors: string[] = [];
  private readonly listeners = new Set<(ev: PppEvent) => void>();
  private readonly timer: NodeJS.Timeout;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly ctrl: PptpControlClient,
    readonly call: CallInfo,
    readonly gre: RawGreSocket,
    readonly link: GreLink,
    opts: TunnelOptions,
  ) {
    this.ppp = new PppClient(
      { ...opts.ppp, now: opts.now, random: (n) => randomBytes(n) },
      (frame) => gre.send(link.wrap(frame)),
      (ev) => {
        for (const l of this.listeners) l(ev);
      },
    );
    gre.onPacket = (pkt) => {
      const d = link.unwrap(pkt);
      if (!d.ok) {
        if (this.greErrors.length < 8) this.greErrors.push(describeError(d.error));
        return;
      }
      if (d.value === null) return;
      this.greReceived++;
      if (d.value.length > 0) this.ppp.input(d.value);
    };
    // Restart timers and GRE acks: 50 ms is far below pppd's 3 s restart timer and costs nothing.
    this.timer = setInterval(() => {
      this.watchControl();
      this.ppp.tick();
      const ack = link.ackOnly();
      if (ack) gre.send(ack);
    }, 50);
  }

  /** Opens control + call + raw GRE. Rejects with a TunnelOpenFailure (never a raw error). */
  static async open(opts: TunnelOptions): Promise<PptpTunnel> {
    let ip = opts.host;
    if (!isIPv4(ip)) {
      try {
        ip = (await lookup(opts.host, { family: 4 })).address;
      } catch {
        throw fail('tcp', 'dns', `cannot resolve ${opts.host} to an IPv4 address`);
      }
    }
    let gre: RawGreSocket;
    try {
      gre = await RawGreSocket.open(ip, opts.timeoutMs);
    } catch (e) {
      const r = e instanceof RawGreError ? e : new RawGreError('helper_failed', String(e));
      throw fail('gre', r.code, r.message);
    }
    let ctrl: PptpControlClient | undefined;
    try {
      ctrl = await PptpControlClient.connect({
        host: ip,
        port: opts.port,
        timeoutMs: opts.timeoutMs,
        now: opts.now,
      });
      await ctrl.start();
      const call = await ctrl.outgoingCall({ callId: 1 + (randomBytes(2).readUInt16BE(0) % 0xfffe) });
      const link = new GreLink(call.peerCallId, call.callId);
      return new PptpTunnel(ctrl, call, gre, link, opts);
    } catch (e) {
      gre.close();
      if (ctrl) await ctrl.stop().catch(() => undefined);
      if (e instanceof PptpControlError) {
        const stage = e.step === 'tcp' ? 'tcp' : e.step === 'sccrq' ? 'sccrq' : 'ocrq';
        throw fail(stage, e.code, e.message);
      }
      throw fail('tcp', 'internal_error', e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * pptpd ends the call when the server's pppd dies (e.g. a bad option: "CTRL: PTY read or GRE write
   * failed", then "control connection finished"): the control connection closes or a
   * Call-Disconnect-Notify arrives. Reported at the PPP stage reached, not as a GRE problem.
   */
  private watchControl(): void {
    if (this.closing || this.ppp.phase === 'dead') return;
    const cdn = this.ctrl.disconnects.get(this.call.callId);
    if (cdn) {
      this.ppp.abort(
        'call_disconnected',
        `server disconnected the call: ${PptpControlClient.describeCdn(cdn)}`,
      );
    } else if (this.ctrl.error) {
      const hint = this.ppp.phase === 'lcp' ? ' (pppd on the server probably failed to start)' : '';
      this.ppp.abort('ctrl_closed', `control connection ended: ${this.ctrl.error.message}${hint}`);
    }
  }

  on(l: (ev: PppEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Resolves with the first event `pick` maps to a value, or undefined after `timeoutMs`. */
  waitFor<T>(pick: (ev: PppEvent) => T | undefined, timeoutMs: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        off();
        resolve(undefined);
      }, timeoutMs);
      const off = this.on((ev) => {
        const v = pick(ev);
        if (v !== undefined) {
          clearTimeout(t);
          off();
          resolve(v);
        }
      });
    });
  }

  /** LCP Terminate (up to ~1.5 s), Call-Clear, Stop-CC, close sockets. Idempotent, never throws. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.ppp.phase !== 'dead') {
        const closed = this.waitFor((ev) => (ev.type === 'closed' ? true : undefined), 1500);
        this.ppp.terminate();
        await closed;
      }
      clearInterval(this.timer);
      await this.ctrl.clearCall(this.call.callId).catch(() => undefined);
      await this.ctrl.stop().catch(() => undefined);
      this.gre.close();
    })();
    return this.closing;
  }
}

function fail(stage: TunnelOpenFailure['stage'], reason: string, detail: string): TunnelOpenFailure {
  return { stage, reason, detail };
}

export function isTunnelOpenFailure(e: unknown): e is TunnelOpenFailure {
  return typeof e === 'object' && e !== null && 'stage' in e && 'reason' in e && 'detail' in e;
}
