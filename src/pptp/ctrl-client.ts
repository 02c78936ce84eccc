/**
 * A PPTP control-connection client (the PNS side of RFC 2637) over one TCP socket: connect, SCCRQ/SCCRP,
 * Echo, OCRQ/OCRP, Set-Link-Info, Call-Clear/CDN, Stop-Control-Connection.
 *
 * Built for probing servers that may be broken or hostile: every wait has a deadline (a slow-drip peer
 * cannot stretch it), framing errors and out-of-order messages fail the waiting request with a typed
 * PptpControlError, and nothing the peer sends can make this throw outside a returned promise.
 * One request is outstanding at a time; the caller awaits each step, which is how PPTP is specified
 * (each request has exactly one reply).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  CDN_RESULTS,
  CTRL,
  CTRL_NAMES,
  OCRP_RESULTS,
  PPTP_PORT,
  SCCRP_RESULTS,
  GENERAL_ERRORS,
  codeName,
  buildCcrq,
  buildEchoReply,
  buildEchoRequest,
  buildOcrq,
  buildSccrq,
  buildSli,
  buildStopCcrp,
  buildStopCcrq,
  encodeControl,
  ControlFramer,
  type Cdn,
  type ControlMessage,
  type EchoReply,
  type Ocrp,
  type Ocrq,
  type Sccrp,
  type Sccrq,
  type StopCcrp,
} from './control.js';
import { connectWithin } from './control/connect.js';
import { PptpControlError, type CtrlStep } from './control/errors.js';
import { PendingReply } from './control/pending.js';

export { PptpControlError, type CtrlErrorCode, type CtrlStep } from './control/errors.js';

export interface ControlClientOptions {
  host: string;
  port?: number;
  /** Deadline for the TCP connect. */
  connectTimeoutMs?: number;
  /** Deadline for each request/reply exchange. */
  timeoutMs?: number;
  /** Monotonic clock in ms (injectable for tests). */
  now?: () => number;
  /** Creates the socket (injectable; defaults to a plain net.Socket). */
  socketFactory?: () => net.Socket;
}

/** Messages the peer may send at any time without it being an error (RFC 2637 2.5, 2.13-2.15). */
const BACKGROUND = new Set<number>([CTRL.WanErrorNotify, CTRL.SetLinkInfo, CTRL.CallDisconnectNotify]);

const MAX_UNSOLICITED = 16;

export interface CallInfo {
  /** Our Call ID: the server puts it in the GRE Key field of packets it sends us. */
  callId: number;
  /** The server's Call ID: we put it in the GRE Key field of packets we send. */
  peerCallId: number;
  reply: Ocrp;
  ms: number;
}

export class PptpControlClient {
  private readonly framer = new ControlFramer();
  private readonly pending = new PendingReply();
  private failure: PptpControlError | undefined;
  private nextCallId = 1;
  private nextEchoId = 1;
  /** Messages that arrived while nothing waited for them (bounded), for diagnosis. */
  readonly unsolicited: ControlMessage[] = [];
  /** Call-Disconnect-Notify messages from the server, by our Call ID. */
  readonly disconnects = new Map<number, Cdn>();

  private constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
    private readonly now: () => number,
    /** Milliseconds the TCP handshake took. */
    readonly connectMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {
      // 'close' follows and reports; the error object itself may carry local paths only.
    });
    socket.on('close', () => {
      const mid =
        this.framer.buffered > 0 ? ` (mid-message, ${this.framer.buffered} bytes of a message received)` : '';
      this.failWith(
        this.failure ??
          new PptpControlError(
            'closed',
            this.pending.current?.step ?? 'tcp',
            `server closed the connection${mid}`,
          ),
      );
    });
  }

  /** Opens the TCP connection. Rejects with refused / timeout / unreachable / connect_failed. */
  static async connect(opts: ControlClientOptions): Promise<PptpControlClient> {
    const now = opts.now ?? (() => performance.now());
    const connectTimeoutMs = opts.connectTimeoutMs ?? opts.timeoutMs ?? 5000;
    const timeoutMs = opts.timeoutMs ?? 5000;
    const port = opts.port ?? PPTP_PORT;
    const socket = opts.socketFactory ? opts.socketFactory() : new net.Socket();
    const ms = await connectWithin(socket, opts.host, port, connectTimeoutMs, now);
    return new PptpControlClient(socket, timeoutMs, now, ms);
  }

  /** SCCRQ -> SCCRP. Rejects with `rejected` (reply attached) unless Result Code is 1. */
  async start(opts: Partial<Omit<Sccrq, 'type'>> = {}): Promise<{ reply: Sccrp; ms: number }> {
    const t0 = this.now();
    const reply = (await this.request(
      buildSccrq(opts),
      'sccrq',
      'SCCRP',
      (m) => m.type === CTRL.StartControlConnectionReply,
    )) as Sccrp;
    const ms = this.now() - t0;
    if (reply.resultCode !== 1) {
      throw new PptpControlError(
        'rejected',
        'sccrq',
        `SCCRP result ${reply.resultCode} (${codeName(SCCRP_RESULTS, reply.resultCode)}), error ${reply.errorCode} (${codeName(GENERAL_ERRORS, reply.errorCode)})`,
        reply,
      );
    }
    return { reply, ms };
  }

  /** Echo-Request -> Echo-Reply with the same Identifier (RFC 2637 2.5/2.6). */
  async echo(identifier = this.nextEchoId++): Promise<{ reply: EchoReply; ms: number }> {
    const t0 = this.now();
    const reply = (await this.request(
      buildEchoRequest(identifier),
      'echo',
      `Echo-Reply ${identifier}`,
      (m) => m.type === CTRL.EchoReply && m.identifier === identifier >>> 0,
    )) as EchoReply;
    return { reply, ms: this.now() - t0 };
  }

  /** OCRQ -> OCRP. Rejects with `rejected` (reply attached) unless Result Code is 1 (Connected). */
  async outgoingCall(opts: Partial<Omit<Ocrq, 'type'>> = {}): Promise<CallInfo> {
    const callId = opts.callId ?? this.nextCallId++;
    const t0 = this.now();
    const reply = (await this.request(
      buildOcrq({ ...opts, callId }),
      'ocrq',
      `OCRP for call ${callId}`,
      // RFC 2637 2.8: the OCRP's Peer's Call ID echoes our OCRQ Call ID.
      (m) => m.type === CTRL.OutgoingCallReply && m.peerCallId === callId,
    )) as Ocrp;
    const ms = this.now() - t0;
    if (reply.resultCode !== 1) {
      throw new PptpControlError(
        'rejected',
        'ocrq',
        `OCRP result ${reply.resultCode} (${codeName(OCRP_RESULTS, reply.resultCode)}), error ${reply.errorCode} (${codeName(GENERAL_ERRORS, reply.errorCode)}), cause ${reply.causeCode}`,
        reply,
      );
    }
    return { callId, peerCallId: reply.callId, reply, ms };
  }

  /** Set-Link-Info has no reply (RFC 2637 2.15). pptp-linux sends it right after OCRP. */
  setLinkInfo(peerCallId: number, sendAccm = 0xffffffff, recvAccm = 0xffffffff): void {
    this.send(buildSli(peerCallId, sendAccm, recvAccm));
  }

  /**
   * Call-Clear-Request -> Call-Disconnect-Notify for our call (RFC 2637 2.12/2.13).
   * pptpd 1.4 (pptpctrl.c) does not follow the RFC here: it logs "Made a CALL DISCONNECT RPLY packet" but
   * never writes it, and ends the whole control connection instead (seen in the lab: no "I wrote" line,
   * then "control connection finished"). A close right after our CCRQ therefore counts as cleared,
   * reported as `closedByServer`; a server that neither answers nor closes still times out.
   */
  async clearCall(callId: number): Promise<{ cdn?: Cdn; closedByServer: boolean }> {
    const already = this.disconnects.get(callId);
    if (already) return { cdn: already, closedByServer: false };
    try {
      const cdn = (await this.request(
        buildCcrq(callId),
        'ccrq',
        `CDN for call ${callId}`,
        (m) => m.type === CTRL.CallDisconnectNotify && m.callId === callId,
      )) as Cdn;
      return { cdn, closedByServer: false };
    } catch (err) {
      if (err instanceof PptpControlError && err.code === 'closed' && err.step === 'ccrq') {
        return { closedByServer: true };
      }
      throw err;
    }
  }

  /** StopCCRQ -> StopCCRP, then closes the socket whatever happens. */
  async stop(reason = 1): Promise<StopCcrp> {
    try {
      return (await this.request(
        buildStopCcrq(reason),
        'stop',
        'StopCCRP',
        (m) => m.type === CTRL.StopControlConnectionReply,
      )) as StopCcrp;
    } finally {
      this.close();
    }
  }

  /** Drops the connection at once (no Stop-Control-Connection). Safe to call twice. */
  close(): void {
    this.socket.destroy();
  }

  /** Why the connection is unusable, if it is. */
  get error(): PptpControlError | undefined {
    return this.failure;
  }

  static describeCdn(cdn: Cdn): string {
    return `CDN result ${cdn.resultCode} (${codeName(CDN_RESULTS, cdn.resultCode)}), cause ${cdn.causeCode}`;
  }

  private send(msg: ControlMessage): void {
    if (!this.socket.destroyed) this.socket.write(encodeControl(msg));
  }

  private request(
    msg: ControlMessage,
    step: CtrlStep,
    want: string,
    accept: (m: ControlMessage) => boolean,
  ): Promise<ControlMessage> {
    if (this.failure) return Promise.reject(this.failure);
    const outstanding = this.pending.current;
    if (outstanding)
      return Promise.reject(
        new PptpControlError('unexpected', step, `a request (${outstanding.want}) is still outstanding`),
      );
    return this.pending.wait(step, want, accept, this.timeoutMs, () => this.send(msg));
  }

  private onData(chunk: Buffer): void {
    for (const item of this.framer.push(chunk)) {
      if (!item.ok) {
        const step = this.pending.current?.step ?? 'tcp';
        this.failWith(
          new PptpControlError(
            'protocol',
            step,
            `invalid control message from server: ${item.error.code}: ${item.error.message}`,
          ),
        );
        this.socket.destroy();
        return;
      }
      this.onMessage(item.message);
    }
  }

  private onMessage(m: ControlMessage): void {
    if (this.pending.offer(m)) return;
    const w = this.pending.current;
    if (m.type === CTRL.EchoRequest) {
      // RFC 2637 2.5: either side may send Echo-Request at any time; pptpd does so every 60 s.
      this.send(buildEchoReply(m.identifier));
      return;
    }
    if (m.type === CTRL.StopControlConnectionRequest) {
      this.send(buildStopCcrp());
      this.failWith(
        new PptpControlError(
          'stopped_by_peer',
          w?.step ?? 'tcp',
          `server sent StopCCRQ (reason ${m.reason})`,
          m,
        ),
      );
      this.socket.end();
      return;
    }
    if (m.type === CTRL.CallDisconnectNotify) this.disconnects.set(m.callId, m);
    if (BACKGROUND.has(m.type) || !w) {
      if (this.unsolicited.length < MAX_UNSOLICITED) this.unsolicited.push(m);
      return;
    }
    // A valid message that answers nothing we asked: a confused or hostile server.
    this.pending.fail(
      new PptpControlError('unexpected', w.step, `got ${CTRL_NAMES[m.type]} while waiting for ${w.want}`, m),
    );
  }

  private failWith(err: PptpControlError): void {
    this.failure ??= err;
    this.pending.fail(err);
  }
}
