/** Small dense linear algebra in float64 for proxy scores (batch-sized matrices: tens of rows). */

/** Eigenvalues of a symmetric n x n matrix (row-major), by cyclic Jacobi rotations. */
export function symmetricEigenvalues(m: ArrayLike<number>, n: number): number[] {
  const a = Float64Array.from(m);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => x - y);
}

/** log |det m| of an n x n matrix (row-major), by LU decomposition with partial pivoting; -Infinity if singular. */
export function logAbsDet(m: ArrayLike<number>, n: number): number {
  const a = Float64Array.from(m);
  let logDet = 0;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]!) > Math.abs(a[piv * n + col]!)) piv = r;
    const p = a[piv * n + col]!;
    if (p === 0) return -Infinity;
    if (piv !== col) for (let k = 0; k < n; k++) [a[col * n + k], a[piv * n + k]] = [a[piv * n + k]!, a[col * n + k]!];
    logDet += Math.log(Math.abs(p));
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col]! / p;
      if (f === 0) continue;
      for (let k = col; k < n; k++) a[r * n + k] = a[r * n + k]! - f * a[col * n + k]!;
    }
  }
  return logDet;
}

/**
 * The scatter matrix of a rows x cols matrix (row-major): sum over rows of (x - mean)(x - mean)^T, cols x cols (the
 * covariance times `rows`). Rows are observations, columns variables.
 */
export function scatterMatrix(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  const s = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let a = 0; a < cols; a++) {
      const da = data[o + a]! - mean[a]!;
      if (da === 0) continue;
      for (let b = a; b < cols; b++) s[a * cols + b] += da * (data[o + b]! - mean[b]!);
    }
  }
  for (let a = 0; a < cols; a++) for (let b = 0; b < a; b++) s[a * cols + b] = s[b * cols + a]!;
  return s;
}
