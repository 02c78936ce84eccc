/**
 * Compact keys for CopyDedup (dedup.ts): a 53-bit hash of a pppd message stands for its text, so a
 * remembered syslog copy keeps a number, not a string (a trimmed message is often a slice that keeps
 * its whole line alive). Two different messages share a key with probability ~n^2/2^54: at 100,000
 * remembered copies ~5e-7, and the cost of a collision is one logfile copy dropped as a duplicate.
 */

/** cyrb53 (public domain, bryc): two 32-bit multiply-xor lanes combined into 53 bits. */
export function msgKey(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * How a remembered copy's key is saved in follow-state.json's `msg` (a string there): a NUL, which no
 * syslog message text carries, then the key in decimal. A saved text (state written before keys) is
 * hashed on restore.
 */
export function savedKey(key: number): string {
  return `\u0000${key}`;
}

export function restoredKey(msg: string): number {
  return msg.startsWith('\u0000') ? Number(msg.slice(1)) : msgKey(msg);
}
