/**
 * The client side of MS-CHAPv2 (RFC 2759) in PPP's authentication phase: answers the server's
 * Challenge, verifies its authenticator response on Success (a wrong S= means a rogue server), and
 * turns a Failure into a reason. Keeps the key material MPPE needs afterwards (RFC 3079 §3). Pure:
 * it returns what to do and the PPP client sends it. The password is used for hashing only.
 */
import { CHAP, decodeChallenge, encodeResponse, failureReason, parseFailure, parseSuccess } from './chap.js';
import { decodeCp, encodeCp } from './cp.js';
import {
  checkAuthenticatorResponse,
  generateAuthenticatorResponse,
  generateNtResponse,
  hashNtPasswordHash,
  ntPasswordHash,
} from './crypto/mschapv2.js';
import { describeError } from './decode.js';

/** What the PPP client does with a CHAP packet from the server. */
export type ChapStep =
  | { type: 'send'; packet: Buffer }
  | { type: 'success' }
  | { type: 'failed'; reason: string; detail: string }
  | { type: 'warning'; message: string }
  | { type: 'ignore' };

/** NT-Response and the password hash hash: the inputs of the MPPE start keys (RFC 3079 §3.4). */
export interface ChapKeyMaterial {
  hashHash: Buffer;
  ntResponse: Buffer;
}

export class MsChapV2Client {
  private sent: { id: number; response: Buffer; expect: string } | undefined;
  private material: ChapKeyMaterial | undefined;

  constructor(
    private readonly user: string,
    private readonly password: string,
    private readonly random: (bytes: number) => Buffer,
  ) {}

  /** True once a Response went out (then a silent server is missing Success/Failure, not a Challenge). */
  get responded(): boolean {
    return this.sent !== undefined;
  }

  get keyMaterial(): ChapKeyMaterial | undefined {
    return this.material;
  }

  /** One CHAP packet (the PPP information field) from the server. */
  input(info: Buffer): ChapStep {
    const d = decodeCp('chap', info);
    if (!d.ok) return { type: 'warning', message: describeError(d.error) };
    const { code, id, data } = d.value;
    if (code === CHAP.Challenge) return this.onChallenge(id, data);
    if (!this.sent || id !== this.sent.id) return { type: 'ignore' };
    const text = data.toString('latin1');
    if (code === CHAP.Success) {
      const s = parseSuccess(text);
      // RFC 2759 §5: the client MUST verify the server; a wrong S= means a rogue server.
      if (!s.authResponse || !checkAuthenticatorResponse(this.sent.expect, s.authResponse)) {
        return {
          type: 'failed',
          reason: 'bad_authenticator',
          detail: 'server sent Success with a wrong or missing authenticator response',
        };
      }
      return { type: 'success' };
    }
    if (code === CHAP.Failure) {
      const f = parseFailure(text);
      const detail =
        f.error !== undefined
          ? `E=${f.error}${f.message ? ` ${f.message}` : ''}`
          : text
            ? `"${text}"`
            : 'empty Failure (pppd: no secret for this user)';
      return { type: 'failed', reason: failureReason(f), detail };
    }
    return { type: 'ignore' };
  }

  private onChallenge(id: number, data: Buffer): ChapStep {
    // pppd resends the same Challenge if our Response was lost: answer from the cache (same id).
    if (this.sent && this.sent.id === id) return { type: 'send', packet: this.sent.response };
    const c = decodeChallenge(id, data);
    if (!c.ok) return { type: 'failed', reason: 'protocol_error', detail: describeError(c.error) };
    const peerChallenge = this.random(16);
    const nt = generateNtResponse(c.value.challenge, peerChallenge, this.user, this.password);
    this.material = { ntResponse: nt, hashHash: hashNtPasswordHash(ntPasswordHash(this.password)) };
    const expect = generateAuthenticatorResponse(
      this.password,
      nt,
      peerChallenge,
      c.value.challenge,
      this.user,
    );
    const response = encodeCp({
      code: CHAP.Response,
      id,
      data: encodeResponse(peerChallenge, nt, this.user),
    });
    this.sent = { id, response, expect };
    return { type: 'send', packet: response };
  }
}
