/**
 * Which programs' lines `analyze` reads at all. Everything else in a syslog (cron, kernel, sshd, ...)
 * is counted and skipped before it is even decoded: that is most of a real log, so this filter is
 * where reading speed comes from.
 *
 * Programs: pppd, poptop's pptpd and pptpctrl, pptp-linux's `pptp`, accel-ppp (`accel-pppd`),
 * NetworkManager's `nm-pptp-service`, router firmwares that log pppd as `pptp` or `ppp`, FreeRADIUS
 * (`radiusd`, `freeradius`) and pppd's radius plugin.
 */

/**
 * Byte strings at least one of which every relevant line contains (in its tag, or in journald's
 * SYSLOG_IDENTIFIER). `repeated` brings in sysklogd's `last message repeated N times`, which names
 * no program and is kept only when the line before it was kept. Upper case too (`PPPD` on some
 * firmwares); mixed case (`Pppd`) is matched only on the shapes with the byte-level tag check.
 */
export const NEEDLES = ['ppp', 'pptp', 'radius', 'repeated', 'PPP', 'PPTP', 'RADIUS'] as const;

export function isRelevantProgram(program: string | undefined): boolean {
  if (program === undefined) return false;
  const p = program.toLowerCase();
  return p.includes('ppp') || p.includes('pptp') || p.includes('radius');
}

/** Verdicts of `tagVerdictAt`. */
export const TAG_OTHER = 0;
export const TAG_RELEVANT = 1;
/** sysklogd's `last message repeated N times`: relevant when the line before it was. */
export const TAG_REPEAT = 2;

const LAST = Buffer.from('last message repeated ', 'latin1');

function isLastRepeated(b: Uint8Array, i: number, end: number): boolean {
  if (end - i < LAST.length) return false;
  for (let k = 0; k < LAST.length; k++) if (b[i + k] !== LAST[k]) return false;
  return true;
}

/** End of the token at b[i..]: the first space, `[` or `:`. */
function tokenEnd(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i];
    if (c === 32 || c === 91 || c === 58) return i;
    i++;
  }
  return end;
}

/** Does the program name b[s..e) contain ppp, pptp or radius (any case)? Same rule as isRelevantProgram. */
function hasNeedle(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i + 2 < e; i++) {
    const c = (b[i] as number) | 32;
    if (c === 112 && ((b[i + 1] as number) | 32) === 112) {
      const c2 = (b[i + 2] as number) | 32;
      if (c2 === 112 || (c2 === 116 && i + 3 < e && ((b[i + 3] as number) | 32) === 112)) return true;
    } else if (c === 114 && i + 5 < e) {
      if (
        ((b[i + 1] as number) | 32) === 97 &&
        ((b[i + 2] as number) | 32) === 100 &&
        ((b[i + 3] as number) | 32) === 105 &&
        ((b[i + 4] as number) | 32) === 117 &&
        ((b[i + 5] as number) | 32) === 115
      )
        return true;
    }
  }
  return false;
}

/**
 * The program filter on raw bytes, for lines whose prefix ends at `t` (`[YEAR ][HOST ]TAG[PID]: ...`):
 * no decoding, no allocation. It may say yes where the parser then finds no relevant program (the
 * reader parses every line it keeps), never the reverse: the first of the next three tokens that ends
 * in `[` or `:` is judged as the tag, and sysklogd's repeat may follow a year or a host.
 */
export function tagVerdictAt(b: Uint8Array, t: number, end: number): number {
  for (let n = 0; n < 3 && t < end; n++) {
    if (isLastRepeated(b, t, end)) return TAG_REPEAT;
    const k = tokenEnd(b, t, end);
    if (k >= end) return TAG_OTHER;
    if (b[k] !== 32) return hasNeedle(b, t, k) ? TAG_RELEVANT : TAG_OTHER;
    t = k + 1;
  }
  return TAG_OTHER;
}

/**
 * tagVerdictAt for the usual shape, `HOST TAG[...` or `HOST TAG: ...`, in one pass over the bytes:
 * the run of skipped lines in the reader calls this once per line of a large log. A tag without a
 * `pp` or `ra` in any case cannot hold ppp, pptp or radius, so most tags are judged without hasNeedle.
 * Anything else (no host, a third token, sysklogd's repeat) is answered by tagVerdictAt itself, so
 * the verdict is always the same (test/logs/formats/programs.test.ts).
 */
export function tagVerdictFast(b: Uint8Array, t: number, end: number): number {
  let k = t;
  let c = 0;
  while (k < end) {
    c = b[k] as number;
    if (c === 32 || c === 91 || c === 58) break;
    k++;
  }
  // The first token must end in a space (a host). sysklogd's `last message repeated` needs no check
  // of its own: its second token (`message`) ends in a space too, which is answered below.
  if (c !== 32 || k >= end) return tagVerdictAt(b, t, end);
  let j = k + 1;
  // ppp and pptp both begin with `pp`, radius with `ra` (any case): a tag without either pair cannot
  // hold a needle, so most tags (`kernel`, `postfix/smtpd`, `CRON`) are judged without hasNeedle.
  let cand = false;
  let prev = 0;
  while (j < end) {
    c = b[j] as number;
    if (c === 32 || c === 91 || c === 58) break;
    const l = c | 32;
    if ((l === 112 && prev === 112) || (l === 97 && prev === 114)) cand = true;
    prev = l;
    j++;
  }
  // The second token is no tag (a third token follows, or sysklogd's repeat): the general rule.
  if (j >= end || c === 32) return tagVerdictAt(b, t, end);
  return cand && hasNeedle(b, k + 1, j) ? TAG_RELEVANT : TAG_OTHER;
}
