/**
 * `node:zlib` for a live page: `gunzipSync` of an embedded gzip file's bytes, inflated when the page started
 * (virtualFs.ts); anything else is a clear error.
 */
import { unsupported } from "../unsupported.js";
import { inflatedBytes } from "../virtualFs.js";
import type { PageBytes } from "./bytes.js";

export function gunzipSync(bytes: Uint8Array): PageBytes {
  const out = inflatedBytes(bytes);
  if (!out) throw unsupported("inflating gzip data other than the page's embedded .gz files", "a browser inflates only asynchronously");
  return out;
}

export default { gunzipSync };
