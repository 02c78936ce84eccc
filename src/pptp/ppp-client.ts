/**
 * A userspace PPP client for one PPTP call: LCP -> MS-CHAPv2 -> CCP/MPPE -> IPCP -> data, the order
 * pppd's server side enforces (with `require-mppe-128` it keeps IPCP closed until CCP is up: in the lab
 * capture it answers an early IPCP Configure-Request with Terminate-Ack). Pure: frames go out through
 * `send`, come in through `input`, time comes from the injected `now`, and `tick()` drives restart
 * timers, so tests run it with a fake clock and the probes wire it to a raw GRE socket.
 */
import { CcpPolicy, type MppeSettings } from './ccp.js';
import { MsChapV2Client } from './chap-client.js';
import { CP, decodeCp, encodeCp, u16, type CpPacket } from './cp.js';
import { clientStartKeys } from './crypto/mppe-keys.js';
import { describeError } from './decode.js';
import { CpFsm, type FsmOutput } from './fsm.js';
import { IpcpPolicy, ipToString } from './ipcp.js';
import { decodeEchoData, encodeEchoData, LcpPolicy } from './lcp.js';
import { MppeDecryptor, MppeEncryptor } from './mppe.js';
import { decodePpp, encodePpp, PPP } from './ppp.js';
import type { PppClientOptions, PppEvent, PppFailure, PppStage } from './ppp-types.js';

export type { PppClientOptions, PppEvent, PppFailure, PppStage } from './ppp-types.js';

type Phase = 'lcp' | 'auth' | 'network' | 'open' | 'terminating' | 'dead';

/** One control protocol's state machine and its restart timer (`due`). */
interface CpSlot {
  fsm: CpFsm;
  proto: number;
  name: 'lcp' | 'ccp' | 'ipcp';
  due: number;
}

export class PppClient {
  phase: Phase = 'lcp';
  failure: PppFailure | undefined;
  readonly lcpPolicy: LcpPolicy;
  private readonly lcp: CpFsm;
  private readonly ccpPolicy: CcpPolicy;
  private readonly ccp: CpFsm;
  private readonly ipcpPolicy: IpcpPolicy;
  private readonly ipcp: CpFsm;
  private readonly fsms: CpSlot[];
  private stageStart: number;
  private authDeadline = Infinity;
  private readonly chap: MsChapV2Client;
  private encryptor: MppeEncryptor | undefined;
  private decryptor: MppeDecryptor | undefined;
  private echoId = 0;
  private readonly echoSent = new Map<number, number>();
  private ccpUp = false;

  constructor(
    private readonly opts: PppClientOptions,
    private readonly send: (frame: Buffer) => void,
    private readonly emit: (ev: PppEvent) => void,
  ) {
    this.lcpPolicy = new LcpPolicy(() => opts.random(4).readUInt32BE(0), opts.mru);
    this.lcp = new CpFsm('lcp', this.lcpPolicy);
    this.ccpPolicy = new CcpPolicy(opts.mppe);
    this.ccp = new CpFsm('ccp', this.ccpPolicy);
    this.ipcpPolicy = new IpcpPolicy(opts.askDns ?? false);
    this.ipcp = new CpFsm('ipcp', this.ipcpPolicy);
    this.fsms = [
      { fsm: this.lcp, proto: PPP.LCP, name: 'lcp', due: Infinity },
      { fsm: this.ccp, proto: PPP.CCP, name: 'ccp', due: Infinity },
      { fsm: this.ipcp, proto: PPP.IPCP, name: 'ipcp', due: Infinity },
    ];
    this.chap = new MsChapV2Client(opts.user, opts.password, opts.random);
    this.stageStart = opts.now();
  }

  start(): void {
    this.stageStart = this.opts.now();
    this.apply(PPP.LCP, this.lcp.open());
  }

  /** Drive timers; call every ~50-100 ms. */
  tick(): void {
    const now = this.opts.now();
    for (const f of this.fsms) {
      if (f.fsm.awaitingPeer && now >= f.due) this.apply(f.proto, f.fsm.timeout(this.opts.maxConfigure));
    }
    if (this.phase === 'auth' && now >= this.authDeadline) {
      this.fail(
        'auth',
        'timeout',
        this.chap.responded ? 'no CHAP Success/Failure from the server' : 'no CHAP Challenge from the server',
      );
    }
  }

  input(frame: Buffer): void {
    const d = decodePpp(frame);
    if (!d.ok) return this.emit({ type: 'warning', message: describeError(d.error) });
    let { protocol, info } = d.value;
    if (protocol === PPP.MPPE) {
      if (!this.decryptor) return this.emit({ type: 'warning', message: 'MPPE packet before CCP opened' });
      const inner = this.decryptor.decrypt(info);
      if (!inner.ok) {
        if (this.decryptor.discarding)
          this.sendCp(PPP.CCP, { code: CP.ResetReq, id: 0, data: Buffer.alloc(0) });
        return this.emit({ type: 'warning', message: describeError(inner.error) });
      }
      protocol = inner.value.protocol;
      info = inner.value.payload;
    }
    switch (protocol) {
      case PPP.LCP:
        return this.onCp(PPP.LCP, info);
      case PPP.CHAP:
        return this.onChap(info);
      case PPP.CCP:
        return this.onCp(PPP.CCP, info);
      case PPP.IPCP:
        return this.onCp(PPP.IPCP, info);
      case PPP.IP:
        // With MPPE negotiated, pppd drops unencrypted IP; so do we (RFC 3078 §3).
        if (this.encryptor && d.value.protocol !== PPP.MPPE) return;
        if (this.phase === 'open') this.emit({ type: 'ip', packet: info });
        return;
      default:
        // RFC 1661 §5.7: unknown protocols (e.g. pppd's IPV6CP) get an LCP Protocol-Reject once LCP is open.
        if (this.lcp.state === 'opened') {
          const data = Buffer.concat([u16(protocol), info.subarray(0, 1400)]);
          this.sendCp(PPP.LCP, { code: CP.ProtRej, id: this.echoId++ & 0xff, data });
        }
    }
  }

  /** LCP Echo-Request with `padBytes` of padding (MTU probing); returns its identifier. */
  sendEcho(padBytes = 0): number {
    const id = this.echoId++ & 0xff;
    this.echoSent.set(id, this.opts.now());
    const data = encodeEchoData({ magic: this.lcpPolicy.magic, data: Buffer.alloc(padBytes, 0x5a) });
    this.sendCp(PPP.LCP, { code: CP.EchoReq, id, data });
    return id;
  }

  /** LCP Discard-Request (RFC 1661 §5.9): the peer drops it silently; used to fill a GRE sequence gap. */
  sendDiscard(): void {
    const data = encodeEchoData({ magic: this.lcpPolicy.magic, data: Buffer.alloc(0) });
    this.sendCp(PPP.LCP, { code: CP.DiscardReq, id: this.echoId++ & 0xff, data });
  }

  /** Sends an IP packet through the tunnel, MPPE-encrypted when negotiated. */
  sendIp(packet: Buffer): void {
    if (this.phase !== 'open') return;
    this.sendProto(PPP.IP, packet);
  }

  /** Clean LCP shutdown (Terminate-Request, retried, then closed). */
  terminate(reason = 'User request'): void {
    if (this.phase === 'dead' || this.phase === 'terminating') return;
    this.phase = 'terminating';
    this.apply(PPP.LCP, this.lcp.close(reason));
    if (this.lcp.state === 'closed') this.finish();
  }

  /**
   * The link is gone underneath us (control connection closed, call disconnected): fail at the current
   * stage without an LCP Terminate, since nobody is left to answer it.
   */
  abort(reason: string, detail: string): void {
    if (this.phase === 'dead') return;
    if (!this.failure) {
      this.failure = { stage: this.currentStage(), reason, detail };
      this.emit({ type: 'failed', failure: this.failure });
    }
    this.finish();
  }

  /** Where we are, as a probe stage. */
  currentStage(): PppStage {
    if (this.phase === 'lcp') return 'lcp';
    if (this.phase === 'auth') return 'auth';
    if (this.phase === 'open' || this.phase === 'terminating') return 'data';
    return this.ccpUp || !this.opts.mppe ? 'ipcp' : 'ccp';
  }

  get mppe(): MppeSettings | undefined {
    return this.ccpUp ? this.ccpPolicy.acked : undefined;
  }

  /** LCP, CCP or IPCP by protocol number (onCp is only called for these three). */
  private slot(proto: number): CpSlot {
    return this.fsms.find((x) => x.proto === proto) ?? (this.fsms[2] as CpSlot);
  }

  private sendProto(protocol: number, info: Buffer): void {
    if (this.encryptor && protocol < 0xc000 && protocol !== PPP.CCP) {
      this.send(encodePpp(PPP.MPPE, this.encryptor.encrypt(protocol, info)));
    } else this.send(encodePpp(protocol, info));
  }

  private sendCp(protocol: number, p: CpPacket): void {
    this.sendProto(protocol, encodeCp(p));
  }

  private apply(proto: number, out: FsmOutput): void {
    const f = this.slot(proto);
    for (const p of out.send) this.sendCp(proto, p);
    if (out.send.length > 0) f.due = this.opts.now() + this.opts.restartMs;
    for (const ev of out.events) this.onFsmEvent(proto, ev);
  }

  private onCp(proto: number, info: Buffer): void {
    const { fsm, name } = this.slot(proto);
    const d = decodeCp(name, info);
    if (!d.ok) return this.emit({ type: 'warning', message: describeError(d.error) });
    if (proto !== PPP.LCP && (this.phase === 'lcp' || this.phase === 'auth')) return; // RFC 1661 §3.4
    if (proto !== PPP.LCP && fsm.state === 'initial') return; // not started yet: pppd retransmits
    const out = fsm.input(d.value);
    this.apply(proto, out);
    for (const p of out.other) this.onOther(proto, p, info);
  }

  private onOther(proto: number, p: CpPacket, raw: Buffer): void {
    if (proto === PPP.LCP && p.code === CP.EchoReq && this.lcp.state === 'opened') {
      const data = encodeEchoData({ magic: this.lcpPolicy.magic, data: p.data.subarray(4) });
      return this.sendCp(PPP.LCP, { code: CP.EchoRep, id: p.id, data });
    }
    if (proto === PPP.LCP && p.code === CP.EchoRep) {
      const sent = this.echoSent.get(p.id);
      const e = decodeEchoData(p.data);
      if (sent === undefined || !e.ok) return;
      this.echoSent.delete(p.id);
      return this.emit({ type: 'echo-reply', id: p.id, rttMs: this.opts.now() - sent, bytes: raw.length });
    }
    if (proto === PPP.LCP && p.code === CP.ProtRej && p.data.length >= 2) {
      const rejected = p.data.readUInt16BE(0);
      if (rejected === PPP.CCP && this.opts.mppe)
        return this.fail('ccp', 'mppe_refused', 'server protocol-rejected CCP');
      if (rejected === PPP.IPCP) return this.fail('ipcp', 'refused', 'server protocol-rejected IPCP');
      return;
    }
    if (proto === PPP.CCP && p.code === CP.ResetReq) {
      // RFC 3078 §8.2 / RFC 1962 §5: rekey our next packet, and ack.
      this.encryptor?.requestFlush();
      return this.sendCp(PPP.CCP, { code: CP.ResetAck, id: p.id, data: Buffer.alloc(0) });
    }
    if (p.code === CP.ResetAck || p.code === CP.CodeRej || p.code === CP.DiscardReq || p.code === CP.EchoReq)
      return;
    this.sendCp(proto, this.slot(proto).fsm.codeReject(p, raw));
  }

  private onFsmEvent(proto: number, ev: FsmOutput['events'][number]): void {
    const stage: PppStage = this.slot(proto).name;
    switch (ev.type) {
      case 'opened':
        return this.onOpened(proto);
      case 'failed':
        if (proto === PPP.CCP && this.ccpPolicy.refusal)
          return this.fail('ccp', 'mppe_refused', this.ccpPolicy.refusal);
        if (ev.reason === 'timeout')
          return this.fail(
            stage,
            'timeout',
            `no ${stage.toUpperCase()} answer after ${this.opts.maxConfigure} Configure-Requests`,
          );
        return this.fail(stage, 'refused', ev.reason);
      case 'peer-terminated':
        return this.onPeerTerminated(proto, ev.reason);
      case 'closed':
        if (proto === PPP.LCP) this.finish();
        return;
      case 'down':
        return;
    }
  }

  private onPeerTerminated(proto: number, text: string): void {
    if (proto !== PPP.LCP) {
      // pppd answers an NCP it has not started with Terminate-Ack, and closes NCPs when LCP ends.
      if (this.phase === 'open') this.fail(proto === PPP.CCP ? 'ccp' : 'ipcp', 'terminated', text);
      return;
    }
    if (this.failure || this.phase === 'terminating') return this.finish();
    const stage = this.currentStage();
    let reason = 'terminated';
    if (/MPPE required but peer refused|MPPE/i.test(text) && stage !== 'data') reason = 'mppe_refused';
    else if (/auth/i.test(text)) reason = 'auth_failed';
    this.failure = {
      stage: reason === 'mppe_refused' ? 'ccp' : stage,
      reason,
      detail: `server terminated the link: "${text}"`,
    };
    this.emit({ type: 'failed', failure: this.failure });
    this.finish();
  }

  private onOpened(proto: number): void {
    const now = this.opts.now();
    if (proto === PPP.LCP && this.phase === 'lcp') {
      this.stageDone('lcp', now);
      const auth = this.lcpPolicy.peer.auth;
      if (!auth) return this.startNetwork(); // server asked for no authentication
      this.phase = 'auth';
      if (this.opts.authenticate !== false) this.authDeadline = now + this.opts.authTimeoutMs;
    } else if (proto === PPP.CCP) {
      const ours = this.ccpPolicy.acked;
      const km = this.chap.keyMaterial;
      if (this.opts.mppe && ours && km) {
        // Key length follows the strength CCP settled on (RFC 3079 §3.1-3.3), so keys come now.
        const keys = clientStartKeys(km.hashHash, km.ntResponse, ours.bits);
        this.encryptor = new MppeEncryptor(keys.send, { bits: ours.bits, stateless: ours.stateless });
        this.decryptor = new MppeDecryptor(keys.recv, { bits: ours.bits, stateless: ours.stateless });
        this.ccpUp = true;
      } else if (this.opts.mppe) return this.fail('ccp', 'mppe_refused', 'CCP opened without MPPE');
      this.stageDone('ccp', now);
      if (this.opts.mppe) this.apply(PPP.IPCP, this.ipcp.open());
    } else if (proto === PPP.IPCP) {
      this.stageDone('ipcp', now);
      this.phase = 'open';
      const p = this.ipcpPolicy;
      const dns = [p.dns1, p.dns2].filter((x): x is Buffer => !!x && x.readUInt32BE(0) !== 0).map(ipToString);
      this.emit({
        type: 'up',
        localIp: ipToString(p.local),
        remoteIp: p.remote ? ipToString(p.remote) : '',
        mppe: this.mppe,
        dns,
      });
    }
  }

  private stageDone(stage: PppStage, now: number): void {
    this.emit({ type: 'stage', stage, ms: now - this.stageStart });
    this.stageStart = now;
  }

  private onChap(info: Buffer): void {
    if (this.phase !== 'auth' || this.opts.authenticate === false) return;
    const step = this.chap.input(info);
    switch (step.type) {
      case 'send':
        return this.sendProto(PPP.CHAP, step.packet);
      case 'warning':
        return this.emit({ type: 'warning', message: step.message });
      case 'failed':
        return this.fail('auth', step.reason, step.detail);
      case 'success':
        this.stageDone('auth', this.opts.now());
        return this.startNetwork();
      case 'ignore':
        return;
    }
  }

  private startNetwork(): void {
    this.phase = 'network';
    this.authDeadline = Infinity;
    this.apply(PPP.CCP, this.ccp.open());
    if (!this.opts.mppe) this.apply(PPP.IPCP, this.ipcp.open());
  }

  private fail(stage: PppStage, reason: string, detail: string): void {
    if (this.failure || this.phase === 'dead') return;
    this.failure = { stage, reason, detail };
    this.emit({ type: 'failed', failure: this.failure });
    this.terminate(
      reason === 'bad_password' ? 'Failed to authenticate ourselves to peer' : 'pptpmon probe failed',
    );
  }

  private finish(): void {
    if (this.phase === 'dead') return;
    this.phase = 'dead';
    this.emit({ type: 'closed' });
  }
}
