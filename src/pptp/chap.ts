/**
 * CHAP packets (RFC 1994 §4) carrying MS-CHAPv2 (RFC 2759 §4-6), client side.
 * Response value (49 bytes): Peer-Challenge(16) | Reserved(8, zero) | NT-Response(24) | Flags(1, zero).
 * Success message: "S=<40 hex> M=<text>" (pppd chap_ms.c also tolerates a missing " M=" part).
 * Failure message: "E=eeeeeeeeee R=r C=cccc... V=vvvvvvvvvv M=<msg>" (RFC 2759 §6); pppd 2.4.9 sends an
 * *empty* Failure when it has no secret for the user (lab capture `lab-baduser`), and "E=691 R=1 C=..
 * V=0 M=Access denied" for a wrong password (`lab-badpw`).
 */
import { fail, ok, type Decoded } from './decode.js';

export const CHAP = { Challenge: 1, Response: 2, Success: 3, Failure: 4 } as const;

export interface ChapChallenge {
  id: number;
  challenge: Buffer;
  name: string;
}

export function decodeChallenge(id: number, data: Buffer): Decoded<ChapChallenge> {
  if (data.length < 1) return fail('chap', 'challenge without a value-size');
  const size = data.readUInt8(0);
  if (1 + size > data.length) return fail('chap', `value-size ${size} runs past the packet`, 0);
  if (size !== 16) return fail('chap', `MS-CHAPv2 challenge must be 16 bytes, got ${size}`, 0);
  return ok({ id, challenge: Buffer.from(data.subarray(1, 17)), name: data.subarray(17).toString('latin1') });
}

export function encodeResponse(peerChallenge: Buffer, ntResponse: Buffer, userName: string): Buffer {
  const value = Buffer.concat([peerChallenge, Buffer.alloc(8), ntResponse, Buffer.alloc(1)]);
  return Buffer.concat([Buffer.from([value.length]), value, Buffer.from(userName, 'utf8')]);
}

export interface MsChapFailure {
  /** E=: 646 restricted hours, 647 disabled, 648 expired, 649 no dial-in permission, 691 auth failure. */
  error?: number;
  retry?: boolean;
  challenge?: string;
  version?: number;
  message: string;
}

/** Parses a Failure message; never fails: unknown text is kept as `message`. */
export function parseFailure(text: string): MsChapFailure {
  const out: MsChapFailure = { message: '' };
  const m = /^E=(\d+)(?:\s+R=([01]))?(?:\s+C=([0-9A-Fa-f]+))?(?:\s+V=(\d+))?(?:\s+M=(.*))?$/s.exec(
    text.trim(),
  );
  if (!m) {
    out.message = text;
    return out;
  }
  out.error = Number(m[1]);
  if (m[2] !== undefined) out.retry = m[2] === '1';
  if (m[3] !== undefined) out.challenge = m[3];
  if (m[4] !== undefined) out.version = Number(m[4]);
  out.message = m[5] ?? '';
  return out;
}

/** Splits "S=<40 hex> M=<msg>" (RFC 2759 §5). */
export function parseSuccess(text: string): { authResponse?: string; message: string } {
  const m = /^(S=[0-9A-Fa-f]{40})(?:\s*M=(.*))?$/s.exec(text.trim());
  if (!m || m[1] === undefined) return { message: text };
  return { authResponse: m[1], message: m[2] ?? '' };
}

/** The probe reason for an MS-CHAP error code (EVENTS.md auth.fail reasons). */
export function failureReason(f: MsChapFailure): string {
  switch (f.error) {
    case 691:
      return 'bad_password';
    case 646:
    case 647:
    case 649:
      return 'locked';
    case 648:
      return 'password_expired';
    case undefined:
      return f.message === '' ? 'unknown_user' : 'rejected';
    default:
      return `error_${f.error}`;
  }
}
