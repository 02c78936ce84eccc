/**
 * The option negotiation automaton of RFC 1661 §4 for one control protocol (LCP, IPCP, CCP), client
 * subset: we always start actively (Req-Sent), never go passive. Pure: `input()` returns the packets to
 * send; restart timing is the caller's (it calls `timeout()` when the restart timer fires).
 * Each protocol plugs in an `OptionPolicy` deciding what to ask for and what to accept.
 */
import { CP, decodeOptions, encodeOptions, type CpOption, type CpPacket } from './cp.js';

export type Verdict = { verdict: 'ack' } | { verdict: 'nak'; data: Buffer } | { verdict: 'reject' };

export interface OptionPolicy {
  /** The options of our next Configure-Request. */
  ours(): CpOption[];
  /** Judge one option of the peer's Configure-Request. */
  judge(opt: CpOption): Verdict;
  /** The peer Nak'd one of our options, suggesting `opt.data`. Return false to give up (protocol fails). */
  onNak(opt: CpOption): boolean;
  /** The peer rejected one of our options. Return false if we cannot do without it. */
  onReject(opt: CpOption): boolean;
  /** Called with the peer's acknowledged request (options as we acked them). */
  onPeerAcked?(opts: CpOption[]): void;
}

export type FsmState = 'initial' | 'req-sent' | 'ack-rcvd' | 'ack-sent' | 'opened' | 'closing' | 'closed';

export type FsmEvent =
  | { type: 'opened' }
  | { type: 'down' }
  | { type: 'peer-terminated'; reason: string }
  | { type: 'failed'; reason: string }
  | { type: 'closed' };

export interface FsmOutput {
  send: CpPacket[];
  events: FsmEvent[];
  /** Packets the FSM does not handle itself (Echo, Reset-Request, protocol specific codes). */
  other: CpPacket[];
}

/** RFC 1661 §4.6 Max-Failure: after this many Naks in a row we reject instead (loops must end). */
const MAX_FAILURE = 5;

export class CpFsm {
  state: FsmState = 'initial';
  private nextId = 1;
  private reqId = -1;
  private naksSent = 0;
  /** Configure-Requests sent without an answer (for Max-Configure). */
  retries = 0;

  constructor(
    readonly layer: string,
    private readonly policy: OptionPolicy,
  ) {}

  open(): FsmOutput {
    this.state = 'req-sent';
    this.retries = 0;
    return { send: [this.confReq()], events: [], other: [] };
  }

  /** The restart timer fired: resend (Configure- or Terminate-Request) or give up after `max` tries. */
  timeout(max: number): FsmOutput {
    const out: FsmOutput = { send: [], events: [], other: [] };
    if (this.state === 'closing') {
      if (++this.retries >= max) {
        this.state = 'closed';
        out.events.push({ type: 'closed' });
      } else out.send.push({ code: CP.TermReq, id: this.nextId++ & 0xff, data: Buffer.alloc(0) });
      return out;
    }
    if (this.state === 'opened' || this.state === 'closed' || this.state === 'initial') return out;
    if (++this.retries >= max) {
      this.state = 'closed';
      out.events.push({ type: 'failed', reason: 'timeout' });
      return out;
    }
    if (this.state === 'ack-rcvd') this.state = 'req-sent';
    out.send.push(this.confReq());
    return out;
  }

  close(reason: string): FsmOutput {
    const out: FsmOutput = { send: [], events: [], other: [] };
    if (this.state === 'closed' || this.state === 'initial') return out;
    this.state = 'closing';
    this.retries = 0;
    out.send.push({ code: CP.TermReq, id: this.nextId++ & 0xff, data: Buffer.from(reason, 'utf8') });
    return out;
  }

  /** Waiting for the peer: the caller runs the restart timer only while this is true. */
  get awaitingPeer(): boolean {
    return (
      this.state === 'req-sent' ||
      this.state === 'ack-rcvd' ||
      this.state === 'ack-sent' ||
      this.state === 'closing'
    );
  }

  input(p: CpPacket): FsmOutput {
    const out: FsmOutput = { send: [], events: [], other: [] };
    switch (p.code) {
      case CP.ConfReq:
        this.onConfReq(p, out);
        break;
      case CP.ConfAck:
        if (p.id !== this.reqId || this.state === 'closing' || this.state === 'closed') break;
        if (this.state === 'req-sent') this.state = 'ack-rcvd';
        else if (this.state === 'ack-sent') this.toOpened(out);
        else if (this.state === 'ack-rcvd' || this.state === 'opened') {
          if (this.state === 'opened') out.events.push({ type: 'down' });
          out.send.push(this.confReq());
          this.state = 'req-sent';
        }
        this.retries = 0;
        break;
      case CP.ConfNak:
      case CP.ConfRej:
        this.onNakRej(p, out);
        break;
      case CP.TermReq:
        out.send.push({ code: CP.TermAck, id: p.id, data: Buffer.alloc(0) });
        if (this.state !== 'closed') {
          this.state = 'closed';
          out.events.push({ type: 'peer-terminated', reason: p.data.toString('utf8') });
        }
        break;
      case CP.TermAck:
        if (this.state === 'closing') {
          this.state = 'closed';
          out.events.push({ type: 'closed' });
        }
        break;
      case CP.CodeRej:
      case CP.ProtRej:
        // RFC 1661 §5.6/5.7: a reject of something we need is fatal; we only send what we need.
        if (p.code === CP.ProtRej || this.state !== 'opened') out.other.push(p);
        break;
      default:
        out.other.push(p);
    }
    return out;
  }

  /** Packets with codes this protocol does not know get a Code-Reject (RFC 1661 §5.6). */
  codeReject(p: CpPacket, raw: Buffer): CpPacket {
    void p;
    return { code: CP.CodeRej, id: this.nextId++ & 0xff, data: raw.subarray(0, 1400) };
  }

  private confReq(): CpPacket {
    this.reqId = this.nextId++ & 0xff;
    return { code: CP.ConfReq, id: this.reqId, data: encodeOptions(this.policy.ours()) };
  }

  private toOpened(out: FsmOutput): void {
    this.state = 'opened';
    this.retries = 0;
    out.events.push({ type: 'opened' });
  }

  private onConfReq(p: CpPacket, out: FsmOutput): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    const opts = decodeOptions(this.layer, p.data);
    if (!opts.ok) {
      // A malformed request cannot be acked or nak'd option by option; reject it whole (RFC 1661 §5.4).
      out.send.push({ code: CP.ConfRej, id: p.id, data: p.data });
      return;
    }
    const naks: CpOption[] = [];
    const rejs: CpOption[] = [];
    for (const o of opts.value) {
      const v = this.policy.judge(o);
      if (v.verdict === 'reject') rejs.push(o);
      else if (v.verdict === 'nak') {
        if (this.naksSent >= MAX_FAILURE) rejs.push(o);
        else naks.push({ type: o.type, data: v.data });
      }
    }
    const wasOpened = this.state === 'opened';
    if (wasOpened) {
      out.events.push({ type: 'down' });
      out.send.push(this.confReq());
      this.state = 'req-sent';
    }
    if (rejs.length > 0) {
      out.send.push({ code: CP.ConfRej, id: p.id, data: encodeOptions(rejs) });
      if (this.state === 'ack-sent') this.state = 'req-sent';
    } else if (naks.length > 0) {
      this.naksSent++;
      out.send.push({ code: CP.ConfNak, id: p.id, data: encodeOptions(naks) });
      if (this.state === 'ack-sent') this.state = 'req-sent';
    } else {
      this.naksSent = 0;
      out.send.push({ code: CP.ConfAck, id: p.id, data: p.data });
      this.policy.onPeerAcked?.(opts.value);
      if (this.state === 'ack-rcvd') this.toOpened(out);
      else this.state = 'ack-sent';
    }
  }

  private onNakRej(p: CpPacket, out: FsmOutput): void {
    if (p.id !== this.reqId || this.state === 'closing' || this.state === 'closed') return;
    const opts = decodeOptions(this.layer, p.data);
    if (!opts.ok) return; // a garbled Nak is dropped; the restart timer resends
    for (const o of opts.value) {
      const keep = p.code === CP.ConfNak ? this.policy.onNak(o) : this.policy.onReject(o);
      if (!keep) {
        const what = p.code === CP.ConfNak ? 'nak' : 'reject';
        this.state = 'closed';
        out.events.push({ type: 'failed', reason: `peer ${what}ed option ${o.type}` });
        return;
      }
    }
    if (this.state === 'opened') out.events.push({ type: 'down' });
    if (this.state === 'ack-rcvd' || this.state === 'opened') this.state = 'req-sent';
    this.retries = 0;
    out.send.push(this.confReq());
  }
}
