/**
 * MD5 (RFC 1321) in plain JavaScript, for a page: the data loaders check downloaded files against their published
 * md5 sums (src/data/download.ts), and a page checks its embedded copies the same way. Not for security; the bytes
 * are collected and hashed once at `digest` (test/page/shims.test.ts checks it against node:crypto).
 */

/** Per-round shift amounts and the sine-derived constants of RFC 1321. */
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = Uint32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

const encoder = new TextEncoder();

export class Md5 {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  update(data: string | Uint8Array): this {
    const bytes = typeof data === "string" ? encoder.encode(data) : data.slice();
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  digestBytes(): Uint8Array {
    const padded = new Uint8Array((((this.length + 8) >> 6) + 1) << 6);
    let at = 0;
    for (const c of this.chunks) {
      padded.set(c, at);
      at += c.length;
    }
    padded[this.length] = 0x80;
    const view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, (this.length * 8) >>> 0, true);
    view.setUint32(padded.length - 4, Math.floor(this.length / 2 ** 29), true);
    let a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
    const m = new Uint32Array(16);
    for (let off = 0; off < padded.length; off += 64) {
      for (let i = 0; i < 16; i++) m[i] = view.getUint32(off + i * 4, true);
      let a = a0, b = b0, c = c0, d = d0;
      for (let i = 0; i < 64; i++) {
        let f: number;
        let g: number;
        if (i < 16) [f, g] = [(b & c) | (~b & d), i];
        else if (i < 32) [f, g] = [(d & b) | (~d & c), (5 * i + 1) % 16];
        else if (i < 48) [f, g] = [b ^ c ^ d, (3 * i + 5) % 16];
        else [f, g] = [c ^ (b | ~d), (7 * i) % 16];
        const sum = (a + f + K[i]! + m[g]!) >>> 0;
        const s = S[(i >> 4) * 4 + (i % 4)]!;
        a = d;
        d = c;
        c = b;
        b = (b + ((sum << s) | (sum >>> (32 - s)))) >>> 0;
      }
      a0 = (a0 + a) >>> 0;
      b0 = (b0 + b) >>> 0;
      c0 = (c0 + c) >>> 0;
      d0 = (d0 + d) >>> 0;
    }
    const out = new Uint8Array(16);
    const outView = new DataView(out.buffer);
    [a0, b0, c0, d0].forEach((v, i) => outView.setUint32(i * 4, v, true));
    return out;
  }
}
