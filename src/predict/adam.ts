/**
 * One Adam update (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1; beta1 0.9, beta2
 * 0.999, eps 1e-8) on plain typed arrays, for the predictors and controllers that train in JavaScript. The one
 * implementation: the MLP predictor and ParamSet (LSTM surrogate and controllers) both step through it.
 */
type Values = Float32Array | Float64Array;

export interface AdamStep {
  /** Learning rate. */
  lr: number;
  /** 1-based step count, for the bias corrections 1 - beta^t. */
  step: number;
  /** L2 weight decay added to the gradient (default 0). */
  decay?: number;
  /** Factor on the gradient, e.g. from clipping to a global norm (default 1). */
  gradScale?: number;
}

/** Updates `p` in place from gradient `g`, with first and second moment estimates `m` and `v` (updated too). */
export function adamUpdate(p: Values, g: Values, m: Values, v: Values, o: AdamStep): void {
  const c1 = 1 - 0.9 ** o.step;
  const c2 = 1 - 0.999 ** o.step;
  const decay = o.decay ?? 0;
  const scale = o.gradScale ?? 1;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]! * scale + decay * p[i]!;
    m[i] = 0.9 * m[i]! + 0.1 * gi;
    v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
    p[i]! -= (o.lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
  }
}
