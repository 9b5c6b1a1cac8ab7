/**
 * What bench:darts and bench:oneshot share: the MNIST task at a size a weight-sharing search finishes on in minutes
 * on 2 cores, the stand-alone trainings (of derived architectures, and of the architectures of the weight-sharing
 * quality report), and flag parsing. Both benches use the same seeds, so their stand-alone numbers are comparable.
 */
import { loadMnist } from "../src/data/mnist.js";
import { normalizeSplits } from "../src/data/split.js";
import { subset, type DataSplits, type ImageDataset } from "../src/data/types.js";
import { nb201Model } from "../src/model/nb201.js";
import type { Supernet } from "../src/model/supernet.js";
import { trainEvaluator, type TrainTrialResult, type FailedTrainResult } from "../src/estimate/train.js";
import type { Evaluator, TrialResult } from "../src/estimate/types.js";
import { distinctArchs, weightSharingReport, type WeightSharingReport } from "../src/estimate/weightSharing.js";
import { Rng } from "../src/rng.js";
import { formatNb201, nb201Space, type Nb201Arch } from "../src/space/nb201.js";

export { numberFlags } from "./args.js";

/** 2x2 mean pooling of every image: 28x28 MNIST becomes 14x14, four times cheaper per convolution. */
export function downsample2x(ds: ImageDataset): ImageDataset {
  const [h, w, c] = ds.shape;
  const H = Math.floor(h / 2);
  const W = Math.floor(w / 2);
  const n = ds.labels.length;
  const out = new Float32Array(n * H * W * c);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let k = 0; k < c; k++) {
          const at = (yy: number, xx: number) => ds.images[((i * h + yy) * w + xx) * c + k]!;
          out[((i * H + y) * W + x) * c + k] = (at(2 * y, 2 * x) + at(2 * y + 1, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x + 1)) / 4;
        }
      }
    }
  }
  return { images: out, labels: ds.labels, shape: [H, W, c], numClasses: ds.numClasses };
}

/** MNIST (the 8k/1k/1k split of the 10k test set here), downsampled to 14x14 and normalised with train statistics. */
export async function searchData(): Promise<DataSplits> {
  const raw = await loadMnist();
  const small: DataSplits = { ...raw, train: downsample2x(raw.train), val: downsample2x(raw.val), test: downsample2x(raw.test), note: `${raw.note}; downsampled 2x2 to 14x14` };
  return normalizeSplits(small);
}

/** Derived architectures are trained stand-alone as NB201 networks: C=8, N=1, Adam 1e-3 cosine, batch 64. */
export async function trainDerived(arch: Nb201Arch, data: DataSplits, epochs: number, seed: number): Promise<TrainTrialResult | FailedTrainResult> {
  const ev = trainEvaluator<Nb201Arch>({ data, normalize: false, build: (a, o) => nb201Model(a, { ...o, channels: 8 }), train: { epochs, batchSize: 64 } });
  return ev.evaluate(arch, { seed });
}

/**
 * The stand-alone side of the quality report: a short training (C=4, one epoch over the first `trainExamples`
 * training images, batch 32, Adam 3e-3 with cosine decay) per architecture, cached by arch string so several
 * supernets are compared with the same numbers.
 */
export function cachedStandalone(data: DataSplits, trainExamples: number): Evaluator<Nb201Arch> & { cached: number } {
  const train = subset(data.train, Array.from({ length: Math.min(trainExamples, data.train.labels.length) }, (_, i) => i));
  const ev = trainEvaluator<Nb201Arch>({ data: { ...data, train }, normalize: false, build: (a, o) => nb201Model(a, { ...o, channels: 4 }), train: { epochs: 1, batchSize: 32, learningRate: 3e-3 } });
  const cache = new Map<string, TrialResult>();
  const self = {
    name: "standalone-c4-1ep",
    objective: "val_acc",
    cached: 0,
    async evaluate(a: Nb201Arch, o: { seed: number; signal?: AbortSignal }): Promise<TrialResult> {
      const k = formatNb201(a);
      const hit = cache.get(k);
      if (hit) {
        self.cached++;
        return hit;
      }
      const r = await ev.evaluate(a, o);
      cache.set(k, r);
      return r;
    },
  };
  return self;
}

/** The quality report over `n` distinct NB201 architectures (seeded, the same in both benches). */
export async function qualityReport(net: Supernet<Nb201Arch>, data: DataSplits, standalone: Evaluator<Nb201Arch>, n: number, label: string): Promise<WeightSharingReport> {
  const archs = distinctArchs(nb201Space(), n, new Rng("weight-sharing-report"));
  const report = await weightSharingReport({
    supernet: net, archs, data, standalone, format: formatNb201, evalExamples: 500, minArchs: Math.min(30, n), seed: 7,
    onRow: (r, i) => console.log(`  [${label} ${i + 1}/${n}] supernet ${r.supernetAcc.toFixed(1)}%  stand-alone ${r.standaloneAcc.toFixed(1)}% (${r.standaloneSeconds.toFixed(1)} s)  ${r.arch}`),
  });
  console.log(`${label}: Kendall tau ${report.kendallTau.toFixed(3)}, Spearman ${report.spearman.toFixed(3)} over ${report.archs} archs (${report.failed} failed); ` +
    `shared-weight estimates ${report.supernetSeconds.toFixed(1)} s, stand-alone ${report.standaloneSeconds.toFixed(1)} s`);
  return report;
}

/** Edges of an NB201 arch that are skip connections. */
export const skipCount = (a: Nb201Arch): number => a.filter((op) => op === "skip_connect").length;
