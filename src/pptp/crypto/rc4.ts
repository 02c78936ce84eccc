/**
 * RC4 (ARCFOUR), the stream cipher MPPE uses (RFC 3078 §3; see primitives.ts for why it lives here).
 * Stateful: one instance keeps its keystream position, as MPPE's stateful mode requires; MPPE's
 * stateless mode builds a fresh instance per packet after each rekey (RFC 3078 §7.3).
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array) {
    if (key.length === 0 || key.length > 256) throw new RangeError('RC4 key must be 1..256 bytes');
    const s = this.s;
    for (let n = 0; n < 256; n++) s[n] = n;
    let j = 0;
    for (let n = 0; n < 256; n++) {
      const sn = s[n] as number;
      j = (j + sn + (key[n % key.length] as number)) & 0xff;
      s[n] = s[j] as number;
      s[j] = sn;
    }
  }

  /** XORs the next keystream bytes into a copy of `data` (encrypt and decrypt are the same). */
  process(data: Uint8Array): Buffer {
    const out = Buffer.alloc(data.length);
    const s = this.s;
    let { i, j } = this;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      const si = s[i] as number;
      j = (j + si) & 0xff;
      const sj = s[j] as number;
      s[i] = sj;
      s[j] = si;
      out[n] = (data[n] as number) ^ (s[(si + sj) & 0xff] as number);
    }
    this.i = i;
    this.j = j;
    return out;
  }
}
