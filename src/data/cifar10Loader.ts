/**
 * CIFAR-10 splits from the binary batches in <data>/cifar10/cifar-10-batches-bin/, downloading and unpacking
 * cifar-10-binary.tar.gz when they are missing. Train/val are a seeded split of the 50k training images
 * (default 45k/5k); test is the official 10k test batch.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { DataFileError } from "../errors.js";
import { concatDatasets, parseCifar10Batch } from "./cifar10.js";
import { dataPath } from "./dir.js";
import { missingFilesError, tryFetchFile, type FetchOptions, type RemoteFile } from "./download.js";
import { splitDataset } from "./split.js";
import type { DataSplits } from "./types.js";

const BATCHES = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
const ARCHIVE: RemoteFile = {
  path: "cifar10/cifar-10-binary.tar.gz",
  urls: ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"],
  md5: "c32a1d4ab5d03f1284b67883e8d87530",
};

/** Extracts regular files from an (uncompressed) ustar/GNU tar archive. */
export function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (a: number, b: number) => new TextDecoder().decode(tar.subarray(a, b)).replace(/\0.*$/s, "");
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = text(off, off + 100);
    if (name === "") break;
    const size = parseInt(text(off + 124, off + 136).trim() || "0", 8);
    const type = String.fromCharCode(tar[off + 156]!);
    const prefix = text(off + 345, off + 500);
    if (type === "0" || type === "\0") files.set(prefix ? `${prefix}/${name}` : name, tar.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

export interface Cifar10Options extends FetchOptions {
  seed?: number;
  valSize?: number;
}

/** Loads CIFAR-10 splits, downloading and unpacking the binary archive if the batches are missing. */
export async function loadCifar10(opts: Cifar10Options = {}): Promise<DataSplits> {
  const dir = dataPath("cifar10/cifar-10-batches-bin", opts.dataDir);
  const have = () => BATCHES.every((b) => existsSync(join(dir, b)));
  if (!have()) {
    const got = await tryFetchFile(ARCHIVE, opts);
    if (!got.bytes) {
      const err = missingFilesError("CIFAR-10", [{ file: ARCHIVE, problems: got.problems }], opts.dataDir);
      throw new DataFileError(`${err.message}\n  (or put the unpacked ${BATCHES.join(", ")} in ${dir})`);
    }
    for (const [name, bytes] of untar(gunzipSync(got.bytes))) {
      const base = name.split("/").pop()!;
      if (!BATCHES.includes(base)) continue;
      mkdirSync(dirname(join(dir, base)), { recursive: true });
      writeFileSync(join(dir, base), bytes);
    }
    if (!have()) throw new DataFileError(`${ARCHIVE.path} did not contain ${BATCHES.join(", ")}; delete it and download it again`);
  }
  const read = (b: string) => parseCifar10Batch(new Uint8Array(readFileSync(join(dir, b))), join(dir, b));
  const train = concatDatasets(BATCHES.slice(0, 5).map(read));
  const test = read("test_batch.bin");
  const val = opts.valSize ?? 5000;
  const seed = opts.seed ?? 0;
  const s = splitDataset(train, { train: train.labels.length - val, val, test: 0 }, seed);
  return {
    name: "cifar10",
    train: s.train,
    val: s.val,
    test,
    note: `cifar10: train ${s.train.labels.length} / val ${val} (seeded split, seed ${seed}) / test ${test.labels.length} (official test batch)`,
  };
}
