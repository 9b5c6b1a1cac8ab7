/**
 * The idx format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian magic number whose third byte is the
 * element type and fourth the number of dimensions, then one uint32 per dimension, then the data. Files may
 * be gzip-compressed (.gz); compression is detected from the content, not the name.
 */
import { gunzipSync } from "node:zlib";
import { DataFileError } from "../errors.js";

export interface IdxArray {
  dims: number[];
  /** Raw unsigned bytes (the only element type MNIST and Fashion-MNIST use). */
  data: Uint8Array;
}

/** Gunzips if the bytes start with the gzip magic number. */
export function maybeGunzip(bytes: Uint8Array): Uint8Array {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
}

/** Parses an idx file (optionally gzipped) of unsigned bytes; `source` names the file in errors. */
export function parseIdx(raw: Uint8Array, source = "idx data"): IdxArray {
  const bytes = maybeGunzip(raw);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFileError(`${source} is not an idx file (it must start with two zero bytes); re-download it`);
  }
  if (bytes[2] !== 0x08) {
    throw new DataFileError(`${source} holds idx element type 0x${bytes[2]!.toString(16)}; only unsigned bytes (0x08) are supported`);
  }
  const ndim = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * ndim) throw new DataFileError(`${source} is truncated in its header; re-download it`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (bytes.length - start !== count) {
    throw new DataFileError(`${source} should hold ${count} values for dims [${dims.join(", ")}] but holds ${bytes.length - start}; the file is truncated or corrupt, re-download it`);
  }
  return { dims, data: bytes.subarray(start) };
}

/** Encodes an idx file of unsigned bytes (used to write test fixtures and caches). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
