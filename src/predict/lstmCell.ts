/**
 * One LSTM cell step and its backward pass in plain typed-array arithmetic, shared by the REINFORCE controller
 * (src/strategy/controller.ts) and the PNAS surrogate (src/predict/lstmSurrogate.ts), so nasbook has one LSTM.
 *
 * Layout (as tfjs's and Keras's LSTM): z = [x, h_prev] K + bias, with K of shape [inputs + H, 4H] stored row-major
 * (the input rows first) and gate columns i, f, g, o of H each; i, f, o are sigmoids, g a tanh;
 * c = f * c_prev + i * g, h = o * tanh(c). A missing previous state is the zero state.
 */

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** What one step keeps for its backward pass. */
export interface LstmStepCache {
  x: Float64Array;
  i: Float64Array; // sigmoid(input gate)
  f: Float64Array; // sigmoid(forget gate)
  g: Float64Array; // tanh(cell candidate)
  o: Float64Array; // sigmoid(output gate)
  c: Float64Array;
  tanhC: Float64Array;
  h: Float64Array;
}

/** One step from (hPrev, cPrev) (undefined = zeros) on input `x` (length `inputs`). */
export function lstmStep(
  K: ArrayLike<number>,
  bias: ArrayLike<number>,
  inputs: number,
  H: number,
  x: Float64Array,
  hPrev: Float64Array | undefined,
  cPrev: Float64Array | undefined,
): LstmStepCache {
  const G = 4 * H;
  const z = new Float64Array(G);
  for (let j = 0; j < G; j++) z[j] = bias[j]!;
  for (let r = 0; r < inputs; r++) {
    const xr = x[r]!;
    if (xr !== 0) for (let j = 0, row = r * G; j < G; j++) z[j]! += xr * K[row + j]!;
  }
  if (hPrev) {
    for (let r = 0; r < H; r++) {
      const hr = hPrev[r]!;
      if (hr !== 0) for (let j = 0, row = (inputs + r) * G; j < G; j++) z[j]! += hr * K[row + j]!;
    }
  }
  const i = new Float64Array(H), f = new Float64Array(H), g = new Float64Array(H), o = new Float64Array(H);
  const c = new Float64Array(H), tanhC = new Float64Array(H), h = new Float64Array(H);
  for (let k = 0; k < H; k++) {
    i[k] = sigmoid(z[k]!);
    f[k] = sigmoid(z[H + k]!);
    g[k] = Math.tanh(z[2 * H + k]!);
    o[k] = sigmoid(z[3 * H + k]!);
    c[k] = f[k]! * (cPrev ? cPrev[k]! : 0) + i[k]! * g[k]!;
    tanhC[k] = Math.tanh(c[k]!);
    h[k] = o[k]! * tanhC[k]!;
  }
  return { x, i, f, g, o, c, tanhC, h };
}

/**
 * Backward pass of one step. Given dL/dh of this step (`dh`, every use of h already summed in) and dL/dc from the
 * next step (`dcNext`), accumulates into the kernel and bias gradients `gK`, `gBias`, writes dL/dx into `dx` and
 * adds dL/dh_prev into `dhPrev` (when there is a previous state). Returns dL/dc_prev.
 */
export function lstmStepBackward(
  K: ArrayLike<number>,
  gK: Float64Array,
  gBias: Float64Array,
  inputs: number,
  H: number,
  s: LstmStepCache,
  hPrev: Float64Array | undefined,
  cPrev: Float64Array | undefined,
  dh: Float64Array,
  dcNext: Float64Array,
  dx: Float64Array,
  dhPrev: Float64Array | undefined,
): Float64Array {
  const G = 4 * H;
  const dz = new Float64Array(G);
  const dcPrev = new Float64Array(H);
  for (let k = 0; k < H; k++) {
    const dhk = dh[k]!;
    const dc = dcNext[k]! + dhk * s.o[k]! * (1 - s.tanhC[k]! * s.tanhC[k]!);
    dz[k] = dc * s.g[k]! * s.i[k]! * (1 - s.i[k]!);
    dz[H + k] = dc * (cPrev ? cPrev[k]! : 0) * s.f[k]! * (1 - s.f[k]!);
    dz[2 * H + k] = dc * s.i[k]! * (1 - s.g[k]! * s.g[k]!);
    dz[3 * H + k] = dhk * s.tanhC[k]! * s.o[k]! * (1 - s.o[k]!);
    dcPrev[k] = dc * s.f[k]!;
  }
  for (let j = 0; j < G; j++) gBias[j]! += dz[j]!;
  for (let r = 0; r < inputs; r++) {
    const xr = s.x[r]!;
    const row = r * G;
    let sx = 0;
    for (let j = 0; j < G; j++) {
      gK[row + j]! += xr * dz[j]!;
      sx += K[row + j]! * dz[j]!;
    }
    dx[r] = sx;
  }
  if (hPrev) {
    for (let r = 0; r < H; r++) {
      const hr = hPrev[r]!;
      const row = (inputs + r) * G;
      let sh = 0;
      for (let j = 0; j < G; j++) {
        gK[row + j]! += hr * dz[j]!;
        sh += K[row + j]! * dz[j]!;
      }
      if (dhPrev) dhPrev[r]! += sh;
    }
  }
  return dcPrev;
}
