/** `node:crypto` for a live page: sha256 (the trial keys' hash, same digests as Node), md5 (data checksums), random bytes. */
import { unsupported } from "../unsupported.js";
import { pageBytes, type PageBytes } from "./bytes.js";
import { Md5 } from "./md5.js";
import { Sha256, toHex } from "./sha256.js";

interface Hash {
  update(data: string | Uint8Array): Hash;
  digest(encoding?: string): string | PageBytes;
}

export function createHash(algorithm: string): Hash {
  if (algorithm !== "sha256" && algorithm !== "md5") throw unsupported(`the ${algorithm} hash`, "a page computes sha256 and md5 only");
  const h = algorithm === "md5" ? new Md5() : new Sha256();
  const hash: Hash = {
    update(data) {
      h.update(data);
      return hash;
    },
    digest(encoding) {
      const bytes = h.digestBytes();
      if (encoding === "hex") return toHex(bytes);
      if (encoding === undefined) return pageBytes(bytes);
      return pageBytes(bytes).toString(encoding);
    },
  };
  return hash;
}

export function randomBytes(n: number): PageBytes {
  const out = pageBytes(new Uint8Array(n));
  crypto.getRandomValues(out);
  return out;
}

export function createHmac(): never {
  throw unsupported("signing with a shared key (NASBOOK_KEY)", "keys stay on machines that run workers");
}

export function timingSafeEqual(): never {
  throw unsupported("verifying a shared key's signature");
}

export default { createHash, randomBytes, createHmac, timingSafeEqual };
