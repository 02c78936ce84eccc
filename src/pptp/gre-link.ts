/**
 * Sequencing for one PPTP call's GRE stream (RFC 2637 §4.1-4.4): our sequence numbers start at 0 and
 * increase per data packet; every packet we send acknowledges the highest sequence number received, and
 * `ackOnly()` produces an ack-without-payload when we have nothing to send. Received packets that are
 * older than the last one delivered are dropped, as pptpd's and pptp-linux's decaps_gre do (PPP tolerates
 * loss, not reordering, under MPPE stateful mode).
 */
import { decodeGre, encodeGre, seqAfter } from './gre.js';
import type { Decoded } from './decode.js';
import { fail, ok } from './decode.js';

export class GreLink {
  private seqOut = 0;
  private lastIn: number | undefined;
  private acked: number | undefined;
  received = 0;
  dropped = 0;

  /** `peerCallId` goes into packets we send; `ourCallId` is what the server puts in its packets. */
  constructor(
    readonly peerCallId: number,
    readonly ourCallId: number,
  ) {}

  wrap(ppp: Buffer): Buffer {
    const pkt = encodeGre({ callId: this.peerCallId, seq: this.seqOut, ack: this.lastIn, payload: ppp });
    this.seqOut = (this.seqOut + 1) >>> 0;
    this.acked = this.lastIn;
    return pkt;
  }

  /** The sequence number the next data packet will carry. */
  get nextSeq(): number {
    return this.seqOut;
  }

  /**
   * Takes back the last sequence number, for a packet we KNOW never arrived (a router answered it
   * with ICMP "fragmentation needed"). Why: pptpd holds packets that follow a gap in its reorder queue
   * until a timeout, so every dropped MTU-probe echo would delay the next one. Only if `seq` is still
   * the last one used.
   */
  rewind(seq: number): boolean {
    if ((this.seqOut - 1) >>> 0 !== seq) return false;
    this.seqOut = seq;
    return true;
  }

  /** An ack-only packet if something received is not yet acknowledged. */
  ackOnly(): Buffer | undefined {
    if (this.lastIn === undefined || this.acked === this.lastIn) return undefined;
    this.acked = this.lastIn;
    return encodeGre({ callId: this.peerCallId, ack: this.lastIn, payload: Buffer.alloc(0) });
  }

  /** The PPP payload to deliver, an empty buffer for ack-only packets, null to ignore, or an error. */
  unwrap(packet: Buffer): Decoded<Buffer | null> {
    const d = decodeGre(packet);
    if (!d.ok) return d;
    const g = d.value;
    // Our own packets, looped back when the server is on this host (tests on 127.0.0.1): ignore.
    if (g.callId === this.peerCallId && g.callId !== this.ourCallId) return ok(null);
    if (g.callId !== this.ourCallId) return fail('gre', `call ID ${g.callId}, expected ${this.ourCallId}`, 6);
    this.received++;
    if (g.seq === undefined) return ok(Buffer.alloc(0));
    if (this.lastIn !== undefined && !seqAfter(g.seq, this.lastIn)) {
      this.dropped++;
      return fail('gre', `out-of-order sequence ${g.seq} (last ${this.lastIn})`, 8);
    }
    this.lastIn = g.seq;
    return ok(g.payload);
  }
}
