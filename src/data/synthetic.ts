/**
 * A synthetic image task that needs no download: each class is a glyph of random strokes; an example is its
 * class glyph at a random position and brightness, plus a distractor stroke and Gaussian pixel noise. A model
 * must find strokes anywhere in the image (convolution and pooling help), and some glyph pairs share strokes,
 * so it is learnable but not trivial and architectures rank differently on it.
 */
import { Rng } from "../rng.js";
import { splitDataset, type SplitSizes } from "./split.js";
import type { DataSplits, ImageDataset } from "./types.js";

export interface SyntheticOptions {
  /** Image side in pixels (default 12). */
  size?: number;
  /** Number of classes (default 10). */
  numClasses?: number;
  /** Examples in total (default 1,200 split 1000/100/100). */
  sizes?: SplitSizes;
  /** Standard deviation of the Gaussian pixel noise (default 0.2). */
  noise?: number;
  /** Seed of the task itself (glyphs) and of the examples. */
  seed?: number;
}

type Stroke = [number, number, number, number];

function drawStroke(img: Float32Array, side: number, [x0, y0, x1, y1]: Stroke, dx: number, dy: number, value: number): void {
  const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)) * 2 + 1;
  for (let s = 0; s <= steps; s++) {
    const x = Math.round(x0 + ((x1 - x0) * s) / steps) + dx;
    const y = Math.round(y0 + ((y1 - y0) * s) / steps) + dy;
    if (x >= 0 && x < side && y >= 0 && y < side) img[y * side + x] = Math.max(img[y * side + x]!, value);
  }
}

/** Generates `n` examples of the glyph task (single channel). */
export function syntheticImages(n: number, opts: SyntheticOptions = {}): ImageDataset {
  const side = opts.size ?? 12;
  const k = opts.numClasses ?? 10;
  const noise = opts.noise ?? 0.2;
  const seed = opts.seed ?? 0;
  const glyphSide = Math.max(3, Math.floor((side * 2) / 3));
  const taskRng = new Rng(`synthetic-task/${seed}`);
  const randomStroke = (r: Rng, box: number): Stroke => [r.int(box), r.int(box), r.int(box), r.int(box)];
  const glyphs: Stroke[][] = Array.from({ length: k }, () => Array.from({ length: 3 }, () => randomStroke(taskRng, glyphSide)));
  const rng = new Rng(`synthetic-examples/${seed}/${n}`);
  const images = new Float32Array(n * side * side);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = rng.int(k);
    labels[i] = label;
    const img = images.subarray(i * side * side, (i + 1) * side * side);
    const dx = rng.int(side - glyphSide + 1);
    const dy = rng.int(side - glyphSide + 1);
    const brightness = 0.6 + 0.4 * rng.float();
    for (const s of glyphs[label]!) drawStroke(img, side, s, dx, dy, brightness);
    drawStroke(img, side, randomStroke(rng, side), 0, 0, 0.6 + 0.4 * rng.float());
    for (let p = 0; p < img.length; p++) img[p] = img[p]! + noise * rng.normal();
  }
  return { images, labels, shape: [side, side, 1], numClasses: k };
}

/** The synthetic task, split into train/val/test. */
export function syntheticSplits(opts: SyntheticOptions = {}): DataSplits {
  const sizes = opts.sizes ?? { train: 1000, val: 100, test: 100 };
  const all = syntheticImages(sizes.train + sizes.val + sizes.test, opts);
  const side = opts.size ?? 12;
  return {
    name: "synthetic",
    ...splitDataset(all, sizes, opts.seed ?? 0),
    note: `synthetic glyph task: ${side}x${side}x1, ${all.numClasses} classes, train ${sizes.train} / val ${sizes.val} / test ${sizes.test} (generated, no download)`,
  };
}
