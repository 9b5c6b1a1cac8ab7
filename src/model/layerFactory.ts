/**
 * Seeded layer constructors shared by every model builder. tfjs draws initial weights from `Math.random`
 * unless an initialiser is given a seed; handing each layer its own seed from one `Rng` makes a model's
 * initial weights a pure function of (architecture, seed).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.js";

type Sym = tf.SymbolicTensor;

/** A layer that outputs zeros shaped like its input: NB201's `none` op, and a node no live edge reaches. */
export class ZeroLayer extends tf.layers.Layer {
  static className = "NasbookZero";
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.zerosLike(x);
  }
  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return shape;
  }
}
tf.serialization.registerClass(ZeroLayer);

export interface ConvSpec {
  filters: number;
  /** Square size, or [height, width]. */
  kernel: number | [number, number];
  /** Same for both axes, or [vertical, horizontal]. */
  stride?: number | [number, number];
  dilation?: number;
  bias?: boolean;
}

/** Creates layers whose initialisers are seeded from one Rng, in creation order. */
export class LayerFactory {
  private readonly rng: Rng;
  private readonly zeros: boolean;
  /** `zeroInit` skips random initialisation (for counting parameters of many models quickly). */
  constructor(seed: number, zeroInit = false) {
    this.rng = new Rng(`model/${seed}`);
    this.zeros = zeroInit;
  }

  private seed(): number {
    return this.rng.int(2 ** 31);
  }

  /** He-normal initialiser (He et al. 2015), the usual choice in front of ReLUs. */
  private he(): ReturnType<typeof tf.initializers.zeros> {
    if (this.zeros) return tf.initializers.zeros();
    return tf.initializers.heNormal({ seed: this.seed() });
  }

  conv(x: Sym, s: ConvSpec): Sym {
    return tf.layers
      .conv2d({
        filters: s.filters,
        kernelSize: s.kernel,
        strides: s.stride ?? 1,
        dilationRate: s.dilation ?? 1,
        padding: "same",
        useBias: s.bias ?? false,
        kernelInitializer: this.he(),
      })
      .apply(x) as Sym;
  }

  /** Depthwise 3x3-style convolution (one filter per channel). */
  dwConv(x: Sym, kernel: number, stride = 1): Sym {
    return tf.layers
      .depthwiseConv2d({ kernelSize: kernel, strides: stride, padding: "same", useBias: false, depthwiseInitializer: this.he() })
      .apply(x) as Sym;
  }

  /** Keeps every `stride`-th pixel (a 1x1 pooling with that stride). */
  subsample(x: Sym, stride: number | [number, number]): Sym {
    return tf.layers.averagePooling2d({ poolSize: 1, strides: stride, padding: "same" }).apply(x) as Sym;
  }

  /**
   * Halves the spatial size with two 1x1 stride-2 convolutions, one on the input and one on the input shifted
   * by a pixel, concatenated, then batch norm (DARTS' FactorizedReduce, used for strided skips).
   */
  factorizedReduce(x: Sym, filters: number): Sym {
    const r = this.relu(x);
    const a = this.conv(r, { filters: Math.floor(filters / 2), kernel: 1, stride: 2 });
    let shifted = tf.layers.cropping2D({ cropping: [[1, 0], [1, 0]] }).apply(r) as Sym;
    const [h, w] = spatialOf(shifted);
    // An odd input leaves an even shifted map whose stride-2 output is one pixel short: pad it back.
    if (h % 2 === 0 && spatialOf(x)[0] % 2 === 1) shifted = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, w % 2 === 0 ? 1 : 0]] }).apply(shifted) as Sym;
    const b = this.conv(shifted, { filters: filters - Math.floor(filters / 2), kernel: 1, stride: 2 });
    return this.bn(this.concat([a, b]));
  }

  /** Depthwise-separable convolution (depthwise k x k then pointwise 1 x 1), as DARTS' sep/dil convs use. */
  sepConv(x: Sym, s: ConvSpec): Sym {
    const stride = s.stride ?? 1;
    // tfjs (like TensorFlow) refuses stride > 1 together with dilation > 1: convolve densely, then subsample.
    if ((s.dilation ?? 1) > 1 && stride !== 1) return this.subsample(this.sepConv(x, { ...s, stride: 1 }), stride);
    return tf.layers
      .separableConv2d({
        filters: s.filters,
        kernelSize: s.kernel,
        strides: s.stride ?? 1,
        dilationRate: s.dilation ?? 1,
        padding: "same",
        useBias: false,
        depthwiseInitializer: this.he(),
        pointwiseInitializer: this.he(),
      })
      .apply(x) as Sym;
  }

  bn(x: Sym): Sym {
    return tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }).apply(x) as Sym;
  }

  relu(x: Sym): Sym {
    return tf.layers.reLU().apply(x) as Sym;
  }

  /** ReLU -> conv -> batch norm, the op NAS-Bench-201 and DARTS put on edges. */
  reluConvBn(x: Sym, s: ConvSpec): Sym {
    return this.bn(this.conv(this.relu(x), s));
  }

  avgPool(x: Sym, size: number, stride = 1): Sym {
    return tf.layers.averagePooling2d({ poolSize: size, strides: stride, padding: "same" }).apply(x) as Sym;
  }

  maxPool(x: Sym, size: number, stride = 1): Sym {
    return tf.layers.maxPooling2d({ poolSize: size, strides: stride, padding: "same" }).apply(x) as Sym;
  }

  zero(x: Sym): Sym {
    return new ZeroLayer({}).apply(x) as Sym;
  }

  /** Sum of one or more tensors of equal shape. */
  sum(xs: readonly Sym[]): Sym {
    if (xs.length === 0) throw new Error("sum of no tensors");
    return xs.length === 1 ? xs[0]! : (tf.layers.add().apply(distinct(xs)) as Sym);
  }

  concat(xs: readonly Sym[]): Sym {
    if (xs.length === 0) throw new Error("concat of no tensors");
    return xs.length === 1 ? xs[0]! : (tf.layers.concatenate({ axis: -1 }).apply(distinct(xs)) as Sym);
  }

  dense(x: Sym, units: number, activation?: "relu"): Sym {
    return tf.layers
      .dense({
        units,
        activation: activation ?? "linear",
        kernelInitializer: activation === "relu" || this.zeros ? this.he() : tf.initializers.glorotUniform({ seed: this.seed() }),
      })
      .apply(x) as Sym;
  }

  globalAvgPool(x: Sym): Sym {
    return tf.layers.globalAveragePooling2d({}).apply(x) as Sym;
  }
}

/**
 * The inputs of a merge layer with every repeated tensor passed through an identity (linear activation) layer. A
 * tfjs layer that receives the same tensor twice (NB201's x + skip(x) when two skip edges meet) fails when run:
 * tfjs-layers' executor frees the tensor after its first use. The identity changes nothing else (no weights).
 */
function distinct(xs: readonly Sym[]): Sym[] {
  const seen = new Set<Sym>();
  return xs.map((x) => {
    if (!seen.has(x)) {
      seen.add(x);
      return x;
    }
    return tf.layers.activation({ activation: "linear" }).apply(x) as Sym;
  });
}

/** Channels (last axis) of a symbolic image tensor. */
export function channelsOf(x: Sym): number {
  const c = x.shape[x.shape.length - 1];
  if (typeof c !== "number") throw new Error("tensor has an unknown channel count");
  return c;
}

/** Spatial size [h, w] of a symbolic image tensor. */
export function spatialOf(x: Sym): [number, number] {
  const [, h, w] = x.shape;
  if (typeof h !== "number" || typeof w !== "number") throw new Error("tensor has an unknown spatial size");
  return [h, w];
}
