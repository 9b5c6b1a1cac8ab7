/**
 * The bytes Node APIs hand out (a Buffer): a Uint8Array whose `toString` takes an encoding, which is all the
 * library asks of them ("utf8", "hex", "base64"). A page has no Buffer.
 */
const decoder = new TextDecoder();

export class PageBytes extends Uint8Array {
  override toString(encoding: string = "utf8"): string {
    if (encoding === "utf8" || encoding === "utf-8") return decoder.decode(this);
    if (encoding === "hex") {
      let s = "";
      for (const b of this) s += b.toString(16).padStart(2, "0");
      return s;
    }
    if (encoding === "base64") {
      let s = "";
      for (let i = 0; i < this.length; i += 0x8000) s += String.fromCharCode(...this.subarray(i, i + 0x8000));
      return btoa(s);
    }
    if (encoding === "latin1" || encoding === "binary") {
      let s = "";
      for (let i = 0; i < this.length; i += 0x8000) s += String.fromCharCode(...this.subarray(i, i + 0x8000));
      return s;
    }
    throw new Error(`bytes.toString("${encoding}") is not supported in a live page (utf8, hex, base64, latin1 are)`);
  }
}

/** `bytes` as PageBytes over the same memory. */
export function pageBytes(bytes: Uint8Array): PageBytes {
  return new PageBytes(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}
