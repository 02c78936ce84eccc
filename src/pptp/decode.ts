/**
 * Decode results for the protocol codecs. Every decoder in src/pptp returns a `Decoded<T>` instead of
 * throwing: input comes from the network (a hostile or broken server), and a probe must turn a bad
 * packet into a reported reason, never a crash. `DecodeError` says what was wrong and at which offset.
 */

export interface DecodeError {
  /** Which structure was being decoded, e.g. `gre`, `lcp`, `chap`. */
  layer: string;
  /** Human-readable cause, e.g. `length 12 exceeds the 8 bytes present`. */
  message: string;
  /** Byte offset inside the structure where decoding stopped. */
  offset: number;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

export function ok<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

export function fail<T>(layer: string, message: string, offset = 0): Decoded<T> {
  return { ok: false, error: { layer, message, offset } };
}

export function describeError(e: DecodeError): string {
  return `${e.layer}: ${e.message} (at byte ${e.offset})`;
}

/** Hex dump without separators, for test vectors and log-safe fingerprints. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
