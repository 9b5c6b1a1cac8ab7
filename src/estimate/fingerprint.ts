/** Fingerprint parts shared by the built-in evaluators: the data they train on and the model builder they use. */
import type { DataSplits, ImageDataset } from "../data/types.js";
import type { BuilderIdentity } from "../model/types.js";
import { createHash } from "node:crypto";
import { FingerprintError } from "../errors.js";

const bySplits = new WeakMap<DataSplits, Record<string, unknown>>();

function hashDataset(h: ReturnType<typeof createHash>, ds: ImageDataset): void {
  h.update(JSON.stringify({ shape: ds.shape, numClasses: ds.numClasses, n: ds.labels.length }));
  h.update(new Uint8Array(ds.images.buffer, ds.images.byteOffset, ds.images.byteLength));
  h.update(new Uint8Array(ds.labels.buffer, ds.labels.byteOffset, ds.labels.byteLength));
}

/** The data's name and the sha256 of its contents (all three splits, as loaded): what the files hold, not where. */
export function dataFingerprint(splits: DataSplits): Record<string, unknown> {
  let fp = bySplits.get(splits);
  if (!fp) {
    const h = createHash("sha256");
    for (const ds of [splits.train, splits.val, splits.test]) hashDataset(h, ds);
    fp = { name: splits.name, sha256: h.digest("hex") };
    bySplits.set(splits, fp);
  }
  return fp;
}

/** A model builder's identity: its own (modelBuilder), else `buildId`, else a FingerprintError naming both fixes. */
export function builderFingerprint(build: { builderIdentity?: BuilderIdentity }, buildId: string | undefined, evaluator: string): unknown {
  if (buildId !== undefined) return { buildId };
  if (build.builderIdentity) return build.builderIdentity;
  throw new FingerprintError(
    `${evaluator}: its build function is a closure, so what it builds cannot be fingerprinted (it may capture values ` +
      "that change); use build: modelBuilder(space, size), or pass buildId: \"<name that changes when the builder does>\", " +
      "or pass store: false to search()",
  );
}
