/**
 * LCP (RFC 1661) options and the client's policy: what we ask for, what we accept from pptpd's pppd.
 * pppd 2.4.9 with `require-mschap-v2` asks for `<asyncmap 0x0> <auth chap MS-v2> <magic ..> <pcomp>
 * <accomp>` (lab-captures/ppp-client.log); we ack all of that. MS-CHAPv2 is the only authentication
 * this client implements, so any other auth protocol is Nak'd with CHAP/0x81 (RFC 1994 §3, RFC 2759 §2).
 */
import { CP, u16, u32, type CpOption } from './cp.js';
import { fail, ok, type Decoded } from './decode.js';
import type { OptionPolicy, Verdict } from './fsm.js';
import { PPP } from './ppp.js';

export const LCP_OPT = {
  MRU: 1,
  ACCM: 2,
  AUTH: 3,
  QUALITY: 4,
  MAGIC: 5,
  PFC: 7,
  ACFC: 8,
} as const;

export const CHAP_MSCHAPV2 = 0x81;

export interface LcpPeerConfig {
  mru?: number;
  auth?: { protocol: number; algorithm?: number };
  magic?: number;
  pfc: boolean;
  acfc: boolean;
}

export type RandomU32 = () => number;

export class LcpPolicy implements OptionPolicy {
  magic: number;
  mru: number | undefined;
  peer: LcpPeerConfig = { pfc: false, acfc: false };

  constructor(
    private readonly random: RandomU32,
    mru?: number,
  ) {
    this.magic = this.newMagic();
    this.mru = mru;
  }

  private newMagic(): number {
    let m = 0;
    while (m === 0) m = this.random() >>> 0;
    return m;
  }

  ours(): CpOption[] {
    const o: CpOption[] = [];
    if (this.mru !== undefined) o.push({ type: LCP_OPT.MRU, data: u16(this.mru) });
    o.push({ type: LCP_OPT.MAGIC, data: u32(this.magic) });
    return o;
  }

  judge(opt: CpOption): Verdict {
    const d = opt.data;
    switch (opt.type) {
      case LCP_OPT.MRU:
        // We can receive any size the raw socket can: accept down to RFC 791's 576 minus headers.
        if (d.length !== 2) return { verdict: 'reject' };
        if (d.readUInt16BE(0) < 128) return { verdict: 'nak', data: u16(1500) };
        return { verdict: 'ack' };
      case LCP_OPT.ACCM:
        // Async control-character map: meaningless over GRE but harmless to accept (RFC 1662 §7.1).
        return d.length === 4 ? { verdict: 'ack' } : { verdict: 'reject' };
      case LCP_OPT.AUTH: {
        if (d.length >= 3 && d.readUInt16BE(0) === PPP.CHAP && d.readUInt8(2) === CHAP_MSCHAPV2) {
          return { verdict: 'ack' };
        }
        return { verdict: 'nak', data: Buffer.from([0xc2, 0x23, CHAP_MSCHAPV2]) };
      }
      case LCP_OPT.MAGIC: {
        if (d.length !== 4) return { verdict: 'reject' };
        const m = d.readUInt32BE(0);
        // RFC 1661 §6.4: a peer magic equal to ours suggests a looped link; zero is invalid.
        if (m === 0 || m === this.magic) return { verdict: 'nak', data: u32(this.newMagic()) };
        return { verdict: 'ack' };
      }
      case LCP_OPT.PFC:
      case LCP_OPT.ACFC:
        return d.length === 0 ? { verdict: 'ack' } : { verdict: 'reject' };
      default:
        return { verdict: 'reject' };
    }
  }

  onNak(opt: CpOption): boolean {
    if (opt.type === LCP_OPT.MAGIC) this.magic = this.newMagic();
    else if (opt.type === LCP_OPT.MRU && opt.data.length === 2) this.mru = opt.data.readUInt16BE(0);
    return true;
  }

  onReject(opt: CpOption): boolean {
    if (opt.type === LCP_OPT.MRU) this.mru = undefined;
    else if (opt.type === LCP_OPT.MAGIC) this.magic = 0;
    return opt.type === LCP_OPT.MRU || opt.type === LCP_OPT.MAGIC;
  }

  onPeerAcked(opts: CpOption[]): void {
    const peer: LcpPeerConfig = { pfc: false, acfc: false };
    for (const o of opts) {
      if (o.type === LCP_OPT.MRU) peer.mru = o.data.readUInt16BE(0);
      else if (o.type === LCP_OPT.MAGIC) peer.magic = o.data.readUInt32BE(0);
      else if (o.type === LCP_OPT.PFC) peer.pfc = true;
      else if (o.type === LCP_OPT.ACFC) peer.acfc = true;
      else if (o.type === LCP_OPT.AUTH) {
        peer.auth = { protocol: o.data.readUInt16BE(0) };
        if (o.data.length > 2) peer.auth.algorithm = o.data.readUInt8(2);
      }
    }
    this.peer = peer;
  }
}

/** Echo-Request/Reply data (RFC 1661 §5.8): magic number, then anything (padding for MTU probes). */
export interface LcpEcho {
  magic: number;
  data: Buffer;
}

export function encodeEchoData(e: LcpEcho): Buffer {
  return Buffer.concat([u32(e.magic), e.data]);
}

export function decodeEchoData(b: Buffer): Decoded<LcpEcho> {
  if (b.length < 4) return fail('lcp', `echo of ${b.length} bytes lacks the magic number`);
  return ok({ magic: b.readUInt32BE(0), data: Buffer.from(b.subarray(4)) });
}

export function isEcho(code: number): boolean {
  return code === CP.EchoReq || code === CP.EchoRep;
}
