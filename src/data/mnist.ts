/**
 * MNIST (LeCun et al. 1998) and Fashion-MNIST (Xiao et al. 2017) from their idx(.gz) files. With the training
 * images present, train/val are a seeded split of the 60k training set and test is the official 10k test set.
 * With only the 10k test set present (as on machines that cannot download the 9.9 MB training file), the
 * loader cuts a seeded 8k/1k/1k split from it and says so in `note`.
 */
import { DataFileError } from "../errors.js";
import { missingFilesError, tryFetchFile, type FetchOptions, type RemoteFile } from "./download.js";
import { parseIdx } from "./idx.js";
import { splitDataset } from "./split.js";
import type { DataSplits, ImageDataset } from "./types.js";

export type MnistVariant = "mnist" | "fashion-mnist";

const MIRRORS: Record<MnistVariant, readonly string[]> = {
  mnist: ["https://storage.googleapis.com/cvdf-datasets/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"],
  "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
};

/** Published md5 sums of the four files of each variant. */
const MD5: Record<MnistVariant, Record<string, string>> = {
  mnist: {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
  },
  "fashion-mnist": {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
  },
};

export interface MnistOptions extends FetchOptions {
  variant?: MnistVariant;
  /** Seed of the train/val(/test) split. */
  seed?: number;
  /** Validation examples taken from the training set (default 5,000; 1,000 in the test-set-only fallback). */
  valSize?: number;
  /** Skip checksum verification (for fixtures and hand-made files). */
  verify?: boolean;
}

function remote(variant: MnistVariant, name: string, verify: boolean): RemoteFile {
  return { path: `${variant}/${name}`, urls: MIRRORS[variant].map((m) => m + name), md5: verify ? MD5[variant][name] : undefined };
}

function toDataset(images: Uint8Array, labels: Uint8Array, source: string): ImageDataset {
  const img = parseIdx(images, `${source} images`);
  const lab = parseIdx(labels, `${source} labels`);
  if (img.dims.length !== 3 || lab.dims.length !== 1 || img.dims[0] !== lab.dims[0]) {
    throw new DataFileError(`${source}: images [${img.dims.join(", ")}] and labels [${lab.dims.join(", ")}] do not match (need [n, h, w] and [n])`);
  }
  const [, h, w] = img.dims as [number, number, number];
  const x = new Float32Array(img.data.length);
  for (let i = 0; i < x.length; i++) x[i] = img.data[i]! / 255;
  return { images: x, labels: Int32Array.from(lab.data), shape: [h, w, 1], numClasses: 10 };
}

/** Loads MNIST or Fashion-MNIST splits, downloading missing files when possible. */
export async function loadMnist(opts: MnistOptions = {}): Promise<DataSplits> {
  const variant = opts.variant ?? "mnist";
  const verify = opts.verify ?? true;
  const names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];
  const files = names.map((n) => remote(variant, n, verify));
  const got: { bytes?: Uint8Array; problems: string[] }[] = [];
  for (const f of files) got.push(await tryFetchFile(f, opts));
  const [trainImg, trainLab, testImg, testLab] = got.map((g) => g.bytes);
  const seed = opts.seed ?? 0;
  if (!testImg || !testLab) {
    const missing = files.map((file, i) => ({ file, problems: got[i]!.problems })).filter((_, i) => !got[i]!.bytes);
    throw missingFilesError(`${variant} needs at least its 10k test set`, missing, opts.dataDir);
  }
  const test = toDataset(testImg, testLab, `${variant} t10k`);
  if (trainImg && trainLab) {
    const train = toDataset(trainImg, trainLab, `${variant} train`);
    const val = opts.valSize ?? 5000;
    const n = train.labels.length;
    const s = splitDataset(train, { train: n - val, val, test: 0 }, seed);
    return {
      name: variant,
      train: s.train,
      val: s.val,
      test,
      note: `${variant}: train ${n - val} / val ${val} (seeded split of the ${n} training images, seed ${seed}) / test ${test.labels.length} (official test set)`,
    };
  }
  const n = test.labels.length;
  const val = opts.valSize ?? Math.round(n / 10);
  const testSize = Math.round(n / 10);
  const s = splitDataset(test, { train: n - val - testSize, val, test: testSize }, seed);
  return {
    name: variant,
    ...s,
    note:
      `${variant}: training images not available (${files[0]!.path} missing), so train ${n - val - testSize} / val ${val} / test ${testSize} ` +
      `is a seeded split (seed ${seed}) of the ${n}-image official TEST set; accuracies are not comparable to published MNIST results`,
  };
}
