/**
 * The byte-level side of classify/noise.ts: does the message of a plain BSD line (formats/plain.ts)
 * start with one of the known-noise prefixes of its program? Answered on the raw bytes, before the
 * line is decoded; the reader then marks the record `known`.
 */
import type { NoiseRule } from '../classify/noise.js';
import { startsWith } from '../formats/plain.js';

const LBRACK = 91;
const ANON = Buffer.from('anon ', 'latin1');

interface CompiledRule {
  program: Buffer;
  anonBody: boolean;
  prefixes: Buffer[];
}

/** First `]: ` at or after i, before end; -1 when none. */
function closeAt(b: Uint8Array, i: number, end: number): number {
  for (; i + 2 < end; i++) if (b[i] === 93 && b[i + 1] === 58 && b[i + 2] === 32) return i;
  return -1;
}

export class NoiseFilter {
  private readonly rules: CompiledRule[];

  constructor(rules: readonly NoiseRule[]) {
    this.rules = rules.map((r) => ({
      program: Buffer.from(r.program, 'latin1'),
      anonBody: r.anonBody === true,
      prefixes: r.prefixes.map((p) => Buffer.from(p, 'latin1')),
    }));
  }

  /** Is the message at b[msg..end) of the program b[ps..pe) known noise? */
  matches(b: Uint8Array, ps: number, pe: number, msg: number, end: number): boolean {
    let rule: CompiledRule | undefined;
    for (let k = 0; k < this.rules.length; k++) {
      const r = this.rules[k] as CompiledRule;
      if (r.program.length === pe - ps && startsWith(b, ps, pe, r.program)) {
        rule = r;
        break;
      }
    }
    if (rule === undefined) return false;
    let at = msg;
    if (rule.anonBody) {
      // pptp-client.ts body(): "anon ", then the first '[' from there, then the first "]: " after it.
      if (!startsWith(b, msg, end, ANON)) return false;
      let open = msg + 5;
      while (open < end && b[open] !== LBRACK) open++;
      if (open >= end) return false;
      const close = closeAt(b, open, end);
      if (close < 0) return false;
      at = close + 3;
    }
    const ps2 = rule.prefixes;
    for (let n = 0; n < ps2.length; n++) if (startsWith(b, at, end, ps2[n] as Buffer)) return true;
    return false;
  }
}
