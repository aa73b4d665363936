// Binding keys: sampling from a seed or Generator, and MIMOConv's key regulariser.
import { Generator, Tensor, fft, noGrad, rand, randint, randn, tensor, tidy } from '../tensor/index.js';
import type { DType } from '../tensor/index.js';

/** Where keys come from: a Generator (its stream advances) or a seed (a fresh Generator). */
export interface KeyOptions {
  generator?: Generator | number;
  /** Floating dtype of the keys (default float32). */
  dtype?: DType;
}

/** The Generator of o: the one given, a new one for a seed, or undefined (the global generator). */
export function keyGenerator(g: Generator | number | undefined): Generator | undefined {
  return typeof g === 'number' ? new Generator(g) : g;
}

function checkShape(shape: readonly number[], op: string): void {
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`${op}: shape must be a non-empty array of positive integers, got ${JSON.stringify(shape)}`);
  }
}

/** Bipolar (Rademacher) keys: each element +1 or −1 with probability ½ (MAP binding, MIMOFormer). */
export function bipolarKeys(shape: readonly number[], o: KeyOptions = {}): Tensor {
  checkShape(shape, 'bipolarKeys');
  const generator = keyGenerator(o.generator);
  return noGrad(() => tidy(() => randint(0, 2, shape, { generator }).to(o.dtype ?? 'float32').mul(2).sub(1)));
}

/**
 * Walsh–Hadamard keys [rows, D]: key i = s ⊙ h_i, with h_i row i of the Sylvester Hadamard matrix of
 * order D (h_i[j] = (−1)^popcount(i & j); D a power of 2, rows ≤ D) and s one Rademacher sign vector
 * drawn from the generator (so that keys drawn with different generators differ). Bipolar like
 * bipolarKeys, but exactly orthogonal, and closed under binding: key_i ⊙ key_j = h_(i xor j), never
 * the identity for i ≠ j. The products of the keys of rows [0, 2^k) are the Hadamard rows [1, 2^k),
 * which all vanish on a vector that is constant over each aligned block of 2^k coordinates: such
 * vectors are a subspace in which superposed inputs bound to these keys do not interfere at all.
 */
export function hadamardKeys(rows: number, D: number, o: KeyOptions = {}): Tensor {
  if (!Number.isInteger(D) || D < 1 || (D & (D - 1)) !== 0) throw new RangeError(`hadamardKeys: the key width D must be a power of 2, got ${String(D)}`);
  if (!Number.isInteger(rows) || rows < 1 || rows > D) throw new RangeError(`hadamardKeys: rows must be an integer in 1..D = ${D} (distinct Hadamard rows), got ${String(rows)}`);
  const h = new Float32Array(rows * D);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < D; j++) {
      let bits = i & j;
      let parity = 0;
      while (bits) {
        parity ^= bits & 1;
        bits >>>= 1;
      }
      h[i * D + j] = parity ? -1 : 1;
    }
  }
  return noGrad(() => tidy(() => tensor(h, { shape: [rows, D] }).to(o.dtype ?? 'float32').mul(bipolarKeys([1, D], o))));
}

/** Gaussian keys, each element N(0, std²); std defaults to 1/√D (D = last dim), the HRR convention. */
export function gaussianKeys(shape: readonly number[], o: KeyOptions & { std?: number } = {}): Tensor {
  checkShape(shape, 'gaussianKeys');
  const std = o.std ?? 1 / Math.sqrt(shape[shape.length - 1]);
  if (!(std > 0) || !Number.isFinite(std)) throw new RangeError(`gaussianKeys: std must be a positive number, got ${std}`);
  const generator = keyGenerator(o.generator);
  return noGrad(() => tidy(() => randn(shape, { dtype: o.dtype, generator }).mul(std)));
}

/**
 * Uniform keys, each element U(−bound, bound); bound defaults to 1/√D (D = last dim), which is
 * PyTorch's Conv1d default and MIMOConv's PWHRR initialisation.
 */
export function uniformKeys(shape: readonly number[], o: KeyOptions & { bound?: number } = {}): Tensor {
  checkShape(shape, 'uniformKeys');
  const bound = o.bound ?? 1 / Math.sqrt(shape[shape.length - 1]);
  if (!(bound > 0) || !Number.isFinite(bound)) throw new RangeError(`uniformKeys: bound must be a positive number, got ${bound}`);
  const generator = keyGenerator(o.generator);
  return noGrad(() => tidy(() => rand(shape, { dtype: o.dtype, generator }).mul(2 * bound).sub(bound)));
}

/**
 * Unitary HRR keys (Plate): every Fourier coefficient along the last dim has magnitude 1, with a
 * random phase (real ±1 at frequency 0, and at D/2 when D is even). For these keys the circulant is
 * orthogonal, so the approximate inverse (involution) equals the exact inverse and
 * unbind(bind(x, k), k) = x. Drawn as a Gaussian key with each rfft coefficient divided by its magnitude.
 */
export function unitaryKeys(shape: readonly number[], o: KeyOptions = {}): Tensor {
  checkShape(shape, 'unitaryKeys');
  const generator = keyGenerator(o.generator);
  const dtype = o.dtype ?? 'float32';
  const D = shape[shape.length - 1];
  return noGrad(() =>
    tidy(() => {
      const spectrum = fft.rfft(randn(shape, { dtype, generator }));
      return fft.irfft(spectrum.div(spectrum.abs()), { n: D });
    }),
  );
}

/**
 * MIMOConv's key regulariser for keys K [cap, C] (one key per row):
 *
 *   R(K) = ‖triu(K̂K̂ᵀ, 1)‖_F² / (cap(cap−1)/2)  +  Σ_j (‖k_j‖₂ − 1)² / cap
 *
 * with K̂ the row-normalised keys. The first term is the mean squared cosine between distinct keys
 * (0 when they are mutually orthogonal), the second the mean squared deviation of the key norms
 * from 1. With cap = 1 there are no pairs and only the norm term remains. Differentiable; returns a
 * scalar of the keys' dtype.
 */
export function keyRegularizer(keys: Tensor): Tensor {
  if (!(keys instanceof Tensor) || keys.ndim !== 2) {
    throw new RangeError(`keyRegularizer: keys must be a 2-D tensor [cap, C], got ${keys instanceof Tensor ? `shape [${keys.shape}]` : typeof keys}`);
  }
  const cap = keys.shape[0];
  return tidy(() => {
    const norms = keys.norm(2, 1, true); // [cap, 1]
    const normTerm = norms.sub(1).square().sum().div(cap);
    if (cap < 2) return normTerm;
    const unit = keys.div(norms.clamp(1e-12));
    const cosines = unit.matmul(unit.t()).triu(1);
    return cosines.square().sum().div((cap * (cap - 1)) / 2).add(normTerm);
  });
}
