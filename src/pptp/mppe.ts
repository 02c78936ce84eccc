/**
 * MPPE data packets (RFC 3078 §3): PPP protocol 0x00FD, a 2-byte header (A=flushed 0x80, B 0x40,
 * C=compressed 0x20, D=encrypted 0x10, 12-bit coherency count) then the RC4-encrypted inner PPP
 * protocol field + payload. The state machine follows Linux drivers/net/ppp/ppp_mppe.c
 * (mppe_compress/mppe_decompress), the code pptpd's pppd uses: the count starts at 4095 so the first
 * packet carries 0; stateless mode rekeys before every packet; stateful mode rekeys on "flag" packets
 * (count & 0xff == 0xff) and whenever the A (flushed) bit is set, and a gap in the count enters the
 * discard state until the next flushed packet (RFC 3078 §8.2, CCP Reset-Request from the caller).
 */
import { nextSessionKey, type MppeBits } from './crypto/mppe-keys.js';
import { Rc4 } from './crypto/rc4.js';
import { fail, ok, type Decoded } from './decode.js';

export const PPP_PROTO_MPPE = 0x00fd;
const BIT_FLUSHED = 0x80;
const BIT_COMPRESSED = 0x20;
const BIT_ENCRYPTED = 0x10;
const CCOUNT_SPACE = 0x1000;

export interface MppeOptions {
  bits: MppeBits;
  stateless: boolean;
}

class MppeDirection {
  sessionKey: Buffer;
  rc4: Rc4;
  ccount = CCOUNT_SPACE - 1;

  constructor(
    readonly startKey: Buffer,
    readonly opts: MppeOptions,
  ) {
    this.sessionKey = nextSessionKey(startKey, startKey, opts.bits, true);
    this.rc4 = new Rc4(this.sessionKey);
  }

  rekey(): void {
    this.sessionKey = nextSessionKey(this.startKey, this.sessionKey, this.opts.bits, false);
    this.rc4 = new Rc4(this.sessionKey);
  }
}

/** Encrypts what the client sends. */
export class MppeEncryptor {
  private readonly d: MppeDirection;
  private flushNext = false;

  constructor(startKey: Buffer, opts: MppeOptions) {
    this.d = new MppeDirection(startKey, opts);
  }

  /** After the peer's CCP Reset-Request (stateful mode): the next packet rekeys and says so. */
  requestFlush(): void {
    this.flushNext = true;
  }

  /** `protocol` + `payload` of an inner PPP frame -> the information field of a 0x00FD frame. */
  encrypt(protocol: number, payload: Uint8Array): Buffer {
    const d = this.d;
    d.ccount = (d.ccount + 1) % CCOUNT_SPACE;
    let bits = BIT_ENCRYPTED;
    if (d.opts.stateless || (d.ccount & 0xff) === 0xff || this.flushNext) {
      d.rekey();
      bits |= BIT_FLUSHED;
      this.flushNext = false;
    }
    const clear = Buffer.alloc(2 + payload.length);
    clear.writeUInt16BE(protocol, 0);
    Buffer.from(payload).copy(clear, 2);
    const head = Buffer.alloc(2);
    head.writeUInt16BE(((bits << 8) | d.ccount) & 0xffff, 0);
    return Buffer.concat([head, d.rc4.process(clear)]);
  }

  get coherencyCount(): number {
    return this.d.ccount;
  }
}

export interface MppeInner {
  protocol: number;
  payload: Buffer;
  ccount: number;
  flushed: boolean;
}

/** Decrypts what the server sends. A `discard` result in stateful mode means: send CCP Reset-Request. */
export class MppeDecryptor {
  private readonly d: MppeDirection;
  private discard = false;

  constructor(startKey: Buffer, opts: MppeOptions) {
    this.d = new MppeDirection(startKey, opts);
  }

  get discarding(): boolean {
    return this.discard;
  }

  decrypt(info: Uint8Array): Decoded<MppeInner> {
    if (info.length < 4) return fail('mppe', `packet of ${info.length} bytes is shorter than 4`);
    const buf = Buffer.from(info.buffer, info.byteOffset, info.byteLength);
    const word = buf.readUInt16BE(0);
    const bits = word >> 8;
    const ccount = word & 0x0fff;
    const flushed = (bits & BIT_FLUSHED) !== 0;
    if ((bits & BIT_ENCRYPTED) === 0) return fail('mppe', 'D (encrypted) bit not set');
    if ((bits & BIT_COMPRESSED) !== 0)
      return fail('mppe', 'C (MPPC compressed) bit set; MPPC was not negotiated');
    const d = this.d;
    if (d.opts.stateless) {
      if (!flushed) return fail('mppe', 'stateless mode but A (flushed) bit not set');
      // A count that went backwards (a late or replayed packet) would cost up to 4095 rekeys; RFC 3078
      // §8.1 allows discarding it, and Linux's older ppp_mppe did exactly that.
      if ((ccount - d.ccount + CCOUNT_SPACE) % CCOUNT_SPACE > CCOUNT_SPACE / 2) {
        return fail('mppe', `late packet: coherency count ${ccount} is behind ${d.ccount}`);
      }
      while (d.ccount !== ccount) {
        d.rekey();
        d.ccount = (d.ccount + 1) % CCOUNT_SPACE;
      }
    } else {
      if ((ccount & 0xff) === 0xff && !flushed) return fail('mppe', 'flag packet without A (flushed) bit');
      if (!this.discard) {
        d.ccount = (d.ccount + 1) % CCOUNT_SPACE;
        if (ccount !== d.ccount) {
          this.discard = true;
          return fail('mppe', `coherency count ${ccount}, expected ${d.ccount}: packet lost, resync needed`);
        }
      } else {
        if (!flushed) return fail('mppe', 'discarding until a flushed packet');
        while ((ccount & ~0xff) !== (d.ccount & ~0xff)) {
          d.rekey();
          d.ccount = (d.ccount + 256) % CCOUNT_SPACE;
        }
        this.discard = false;
        d.ccount = ccount;
      }
      if (flushed) d.rekey();
    }
    const clear = d.rc4.process(buf.subarray(2));
    // The inner protocol field may be compressed to one byte (odd first byte): RFC 1661 §6.5 PFC.
    const first = clear.readUInt8(0);
    if ((first & 1) === 1) return ok({ protocol: first, payload: clear.subarray(1), ccount, flushed });
    if (clear.length < 2) return fail('mppe', 'decrypted data shorter than a protocol field', 2);
    return ok({ protocol: clear.readUInt16BE(0), payload: clear.subarray(2), ccount, flushed });
  }
}
