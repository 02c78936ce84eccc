/**
 * CCP (RFC 1962) with the MPPE option (type 18, RFC 3078 §2.1 "supported bits"), client policy.
 * Bits as Linux include/uapi/linux/ppp-comp.h and pppd's ccp.c print them (`<mppe +H -M +S -L -D -C>`):
 * H (stateless) is bit 0x01 of the first byte; M=56-bit 0x80, S=128-bit 0x40, L=40-bit 0x20,
 * D (obsolete) 0x10, C=MPPC 0x01 in the last byte. Both directions must settle on one strength.
 * With MPPE turned off (test option `mppe: false`) we send an empty request and reject the server's
 * MPPE, exactly what pppd `nomppe` does, so require-mppe servers answer "MPPE required but peer refused".
 */
import type { CpOption } from './cp.js';
import type { MppeBits } from './crypto/mppe-keys.js';
import type { OptionPolicy, Verdict } from './fsm.js';

export const CCP_OPT_MPPE = 18;
const H = 0x01000000;
const M = 0x80;
const S = 0x40;
const L = 0x20;

export interface MppeWanted {
  /** Strengths we accept, strongest first is preferred. */
  bits: MppeBits[];
  /** Stateless (H) is what pppd requires unless `mppe-stateful`; stateful is accepted if allowed. */
  allowStateful: boolean;
}

export interface MppeSettings {
  bits: MppeBits;
  stateless: boolean;
}

export function encodeMppeBits(s: { bits: MppeBits[]; stateless: boolean }): Buffer {
  let v = s.stateless ? H : 0;
  for (const b of s.bits) v |= b === 128 ? S : b === 56 ? M : L;
  const out = Buffer.alloc(4);
  out.writeUInt32BE(v >>> 0, 0);
  return out;
}

export function decodeMppeBits(
  d: Buffer,
): { bits: MppeBits[]; stateless: boolean; mppc: boolean } | undefined {
  if (d.length !== 4) return undefined;
  const v = d.readUInt32BE(0);
  const bits: MppeBits[] = [];
  if (v & S) bits.push(128);
  if (v & M) bits.push(56);
  if (v & L) bits.push(40);
  return { bits, stateless: (v & H) !== 0, mppc: (v & 0x01) !== 0 };
}

/** e.g. `128 stateless`, the form ARCHITECTURE.md uses for sessions' `mppe`. */
export function describeMppe(s: MppeSettings): string {
  return `${s.bits} ${s.stateless ? 'stateless' : 'stateful'}`;
}

export class CcpPolicy implements OptionPolicy {
  /** What we currently ask for (one strength, as the peer must ack exactly one). */
  private ask: MppeSettings | undefined;
  /** What we acked of the server's request: the server->client direction. */
  peerMppe: MppeSettings | undefined;
  /** Why negotiation cannot succeed (e.g. the server offered only 40-bit). */
  refusal: string | undefined;

  constructor(private readonly wanted: MppeWanted | null) {
    const first = wanted?.bits[0];
    if (wanted && first !== undefined) this.ask = { bits: first, stateless: true };
  }

  ours(): CpOption[] {
    if (!this.ask) return [];
    return [
      { type: CCP_OPT_MPPE, data: encodeMppeBits({ bits: [this.ask.bits], stateless: this.ask.stateless }) },
    ];
  }

  /** What we asked for and the server acked: the client->server direction. */
  get acked(): MppeSettings | undefined {
    return this.ask;
  }

  judge(opt: CpOption): Verdict {
    if (opt.type !== CCP_OPT_MPPE || !this.wanted) return { verdict: 'reject' };
    const offered = decodeMppeBits(opt.data);
    if (!offered) return { verdict: 'reject' };
    const usable = this.wanted.bits.filter((b) => offered.bits.includes(b));
    const stateless = offered.stateless || !this.wanted.allowStateful;
    const pick = usable[0];
    if (pick === undefined) {
      this.refusal = `server offers MPPE ${offered.bits.join('/') || 'none'}, we accept ${this.wanted.bits.join('/')}`;
      return {
        verdict: 'nak',
        data: encodeMppeBits({ bits: [this.wanted.bits[0] ?? 128], stateless: true }),
      };
    }
    if (offered.bits.length !== 1 || offered.mppc || stateless !== offered.stateless) {
      return { verdict: 'nak', data: encodeMppeBits({ bits: [pick], stateless }) };
    }
    this.peerMppe = { bits: pick, stateless };
    return { verdict: 'ack' };
  }

  onNak(opt: CpOption): boolean {
    if (opt.type !== CCP_OPT_MPPE || !this.wanted) return false;
    const sug = decodeMppeBits(opt.data);
    const pick = sug ? this.wanted.bits.find((b) => sug.bits.includes(b)) : undefined;
    if (!sug || pick === undefined || (!sug.stateless && !this.wanted.allowStateful)) {
      this.refusal = `server wants MPPE ${sug ? sug.bits.join('/') + (sug.stateless ? ' stateless' : ' stateful') : 'garbled'}`;
      return false;
    }
    this.ask = { bits: pick, stateless: sug.stateless };
    return true;
  }

  onReject(opt: CpOption): boolean {
    if (opt.type === CCP_OPT_MPPE) this.refusal = 'server rejected MPPE';
    return false;
  }
}
