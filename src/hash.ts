/** Content hashes: what trial keys, table and dataset fingerprints are made of. */
import { createHash } from "node:crypto";

/** Hex sha256 of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
