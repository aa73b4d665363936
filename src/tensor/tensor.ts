// The Tensor class: a libtorch tensor seen from TypeScript.
import { DTYPES, DType, TypedArray, checkDType, dtypeFromCode } from './dtype.js';
import { BINARY, Handle, INPLACE, UNARY, native } from './native.js';
import { Scoped, keep, track } from './scope.js';
import { formatTensor } from './print.js';
import { checkDevice } from './device.js';

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;
export type Dims = number | readonly number[];

const argOf = (x: TensorOrScalar): Handle | Scalar => (x instanceof Tensor ? x.handle : x);
const dimList = (d: Dims | undefined): number[] | undefined =>
  d === undefined ? undefined : typeof d === 'number' ? [d] : [...d];

export class Tensor implements Scoped {
  private h: Handle | null;
  private cachedShape: readonly number[] | undefined;
  private cachedDType: DType | undefined;
  private cachedDevice: string | undefined;
  /** @internal scope bookkeeping */
  scope: Scoped[] | null = null;
  /** @internal true once keep() exempted the tensor from scopes */
  kept = false;

  /** @internal Wraps a native handle; use the creation functions instead. */
  constructor(handle: Handle) {
    this.h = handle;
    track(this);
  }

  /** @internal */
  static wrap(h: Handle): Tensor {
    return new Tensor(h);
  }

  /** @internal The native handle; throws if the tensor was disposed. */
  get handle(): Handle {
    if (this.h === null) throw new Error('tensor was used after dispose()');
    return this.h;
  }

  // ---- metadata -------------------------------------------------------------------------------
  get shape(): readonly number[] {
    return (this.cachedShape ??= Object.freeze(native.shape(this.handle) as number[]));
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  size(dim?: number): number | readonly number[] {
    if (dim === undefined) return this.shape;
    return this.shape[this.normDim(dim)];
  }
  get dtype(): DType {
    if (this.cachedDType === undefined) this.loadMeta();
    return this.cachedDType!;
  }
  get device(): string {
    if (this.cachedDevice === undefined) this.loadMeta();
    return this.cachedDevice!;
  }
  get isContiguous(): boolean {
    return native.meta(this.handle)[3];
  }
  private loadMeta(): void {
    const [code, device] = native.meta(this.handle);
    this.cachedDType = dtypeFromCode(code);
    this.cachedDevice = device;
  }
  /** Resolves a possibly negative dimension index, with a clear error when out of range. */
  normDim(dim: number): number {
    const n = this.ndim;
    const d = dim < 0 ? dim + n : dim;
    if (!Number.isInteger(dim) || d < 0 || d >= Math.max(n, 1)) {
      throw new RangeError(`dimension ${dim} is out of range for a tensor of shape [${this.shape}]`);
    }
    return d;
  }

  // ---- lifetime -------------------------------------------------------------------------------
  /** Frees the native tensor now. Further use throws. Idempotent. */
  dispose(): void {
    if (this.h !== null) {
      native.dispose(this.h);
      this.h = null;
    }
  }
  get isDisposed(): boolean {
    return this.h === null;
  }
  /** Exempts this tensor from tidy() scopes. */
  keep(): this {
    return keep(this);
  }
  /** @internal In no scope now: the garbage collector's accounting sees its size (scope.ts). */
  unscoped(): void {
    if (this.h !== null) native.reportToGC(this.h);
  }

  // ---- data out -------------------------------------------------------------------------------
  /** Raw bytes, C-contiguous, little-endian (a copy). */
  bytes(): Uint8Array {
    return native.toBytes(this.handle);
  }
  /** A copy of the elements as the dtype's typed array (int64 -> BigInt64Array; complex interleaved). */
  data(): TypedArray {
    const b = this.bytes();
    const info = DTYPES[this.dtype];
    return new info.array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength / info.array.BYTES_PER_ELEMENT);
  }
  /** The elements as a flat array of JS numbers (booleans as 0/1). */
  toFlatArray(): number[] {
    const t = this.dtype === 'float16' || this.dtype === 'bfloat16' ? this.to('float32') : this;
    const d = t.data();
    if (t !== this) t.dispose();
    return Array.from(d as ArrayLike<number | bigint>, Number);
  }
  /** Nested JS arrays of numbers, in the tensor's shape. */
  toArray(): unknown {
    const flat = this.toFlatArray();
    const shape = this.shape;
    if (shape.length === 0) return flat[0];
    let i = 0;
    const build = (d: number): unknown[] =>
      Array.from({ length: shape[d] }, () => (d === shape.length - 1 ? flat[i++] : build(d + 1)));
    return build(0);
  }
  /** The value of a one-element tensor. */
  item(): number {
    const v = native.item(this.handle);
    return typeof v === 'boolean' ? Number(v) : v;
  }
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- conversion -----------------------------------------------------------------------------
  /** Converts to a dtype ('float32', ...) or moves to a device ('cpu', 'cuda', 'cuda:1'). */
  to(target: DType | string): Tensor {
    if (target in DTYPES) return new Tensor(native.cast(this.handle, DTYPES[target as DType].code));
    return new Tensor(native.toDevice(this.handle, checkDevice(target)));
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  contiguous(memoryFormat: 'contiguous' | 'channels_last' = 'contiguous'): Tensor {
    return new Tensor(native.contiguous(this.handle, memoryFormat === 'channels_last'));
  }
  clone(): Tensor {
    return this.unary('clone');
  }

  // ---- autograd -------------------------------------------------------------------------------
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  set requiresGrad(v: boolean) {
    native.setRequiresGrad(this.handle, v);
  }
  requiresGrad_(v = true): this {
    native.setRequiresGrad(this.handle, v);
    return this;
  }
  /** The accumulated gradient (a new wrapper sharing storage each time), or undefined. */
  get grad(): Tensor | undefined {
    const g = native.grad(this.handle);
    return g === undefined ? undefined : new Tensor(g);
  }
  /** Whether a gradient has been accumulated (creates no wrapper, unlike reading .grad). */
  get hasGrad(): boolean {
    return native.hasGrad(this.handle);
  }
  set grad(g: Tensor | undefined) {
    native.setGrad(this.handle, g?.handle);
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }
  retainGrad(): this {
    native.retainGrad(this.handle);
    return this;
  }
  backward(gradient?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    if (!gradient && this.numel !== 1) {
      throw new Error(`backward() without a gradient needs a scalar, got shape [${this.shape}]`);
    }
    native.backward(this.handle, gradient?.handle, opts.retainGraph ?? false);
  }
  detach(): Tensor {
    return this.unary('detach');
  }

  // ---- elementwise ----------------------------------------------------------------------------
  /** @internal */
  unary(op: string): Tensor {
    return new Tensor(native.unary(UNARY[op], this.handle));
  }
  /** @internal */
  binary(op: string, other: TensorOrScalar): Tensor {
    return new Tensor(native.binary(BINARY[op], this.handle, argOf(other)));
  }

  add(o: TensorOrScalar, alpha = 1): Tensor {
    if (alpha === 1) return this.binary('add', o);
    const scaled = o instanceof Tensor ? o.mul(alpha) : (o as number) * alpha;
    const r = this.binary('add', scaled);
    if (scaled instanceof Tensor) scaled.dispose();
    return r;
  }
  sub(o: TensorOrScalar): Tensor {
    return this.binary('sub', o);
  }
  mul(o: TensorOrScalar): Tensor {
    return this.binary('mul', o);
  }
  div(o: TensorOrScalar): Tensor {
    return this.binary('div', o);
  }
  pow(o: TensorOrScalar): Tensor {
    return this.binary('pow', o);
  }
  remainder(o: TensorOrScalar): Tensor {
    return this.binary('remainder', o);
  }
  floorDivide(o: TensorOrScalar): Tensor {
    return this.binary('floorDivide', o);
  }
  maximum(o: TensorOrScalar): Tensor {
    return this.binary('maximum', o);
  }
  minimum(o: TensorOrScalar): Tensor {
    return this.binary('minimum', o);
  }
  atan2(o: TensorOrScalar): Tensor {
    return this.binary('atan2', o);
  }
  eq(o: TensorOrScalar): Tensor {
    return this.binary('eq', o);
  }
  ne(o: TensorOrScalar): Tensor {
    return this.binary('ne', o);
  }
  lt(o: TensorOrScalar): Tensor {
    return this.binary('lt', o);
  }
  le(o: TensorOrScalar): Tensor {
    return this.binary('le', o);
  }
  gt(o: TensorOrScalar): Tensor {
    return this.binary('gt', o);
  }
  ge(o: TensorOrScalar): Tensor {
    return this.binary('ge', o);
  }
  logicalAnd(o: TensorOrScalar): Tensor {
    return this.binary('logicalAnd', o);
  }
  logicalOr(o: TensorOrScalar): Tensor {
    return this.binary('logicalOr', o);
  }
  logicalNot(): Tensor {
    return this.unary('logicalNot');
  }
  neg(): Tensor {
    return this.unary('neg');
  }
  abs(): Tensor {
    return this.unary('abs');
  }
  exp(): Tensor {
    return this.unary('exp');
  }
  log(): Tensor {
    return this.unary('log');
  }
  log2(): Tensor {
    return this.unary('log2');
  }
  log1p(): Tensor {
    return this.unary('log1p');
  }
  expm1(): Tensor {
    return this.unary('expm1');
  }
  sqrt(): Tensor {
    return this.unary('sqrt');
  }
  rsqrt(): Tensor {
    return this.unary('rsqrt');
  }
  square(): Tensor {
    return this.unary('square');
  }
  reciprocal(): Tensor {
    return this.unary('reciprocal');
  }
  sign(): Tensor {
    return this.unary('sign');
  }
  sin(): Tensor {
    return this.unary('sin');
  }
  cos(): Tensor {
    return this.unary('cos');
  }
  atan(): Tensor {
    return this.unary('atan');
  }
  tanh(): Tensor {
    return this.unary('tanh');
  }
  sigmoid(): Tensor {
    return this.unary('sigmoid');
  }
  relu(): Tensor {
    return this.unary('relu');
  }
  erf(): Tensor {
    return this.unary('erf');
  }
  floor(): Tensor {
    return this.unary('floor');
  }
  ceil(): Tensor {
    return this.unary('ceil');
  }
  round(): Tensor {
    return this.unary('round');
  }
  trunc(): Tensor {
    return this.unary('trunc');
  }
  isnan(): Tensor {
    return this.unary('isnan');
  }
  isfinite(): Tensor {
    return this.unary('isfinite');
  }
  /** Complex conjugate (a real tensor is returned unchanged, as a copy). */
  conj(): Tensor {
    return this.unary('conj');
  }
  real(): Tensor {
    return this.unary('real');
  }
  imag(): Tensor {
    return this.unary('imag');
  }
  angle(): Tensor {
    return this.unary('angle');
  }
  viewAsReal(): Tensor {
    return this.unary('viewAsReal');
  }
  viewAsComplex(): Tensor {
    return this.unary('viewAsComplex');
  }
  clamp(min?: number, max?: number): Tensor {
    if (min === undefined && max === undefined) throw new Error('clamp() needs at least one of min and max');
    return new Tensor(native.clamp(this.handle, min, max));
  }
  /** Elements where cond holds from this tensor, others from `other`. */
  where(cond: Tensor, other: TensorOrScalar): Tensor {
    return new Tensor(native.where(cond.handle, this.handle, argOf(other)));
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return new Tensor(native.maskedFill(this.handle, mask.handle, value));
  }
  tril(k = 0): Tensor {
    return new Tensor(native.trilK(this.handle, k));
  }
  triu(k = 0): Tensor {
    return new Tensor(native.triuK(this.handle, k));
  }

  // ---- linear algebra -------------------------------------------------------------------------
  matmul(o: Tensor): Tensor {
    if (this.ndim >= 1 && o.ndim >= 1) {
      const k1 = this.shape[this.ndim - 1];
      const k2 = o.ndim === 1 ? o.shape[0] : o.shape[o.ndim - 2];
      if (k1 !== k2) {
        throw new RangeError(
          `matmul: inner dimensions differ: [${this.shape}] @ [${o.shape}] (${k1} vs ${k2})`,
        );
      }
    }
    return this.binary('matmul', o);
  }
  mm(o: Tensor): Tensor {
    return this.binary('mm', o);
  }
  bmm(o: Tensor): Tensor {
    if (this.ndim !== 3 || o.ndim !== 3) {
      throw new RangeError(`bmm needs two 3-D tensors, got [${this.shape}] and [${o.shape}]`);
    }
    return this.binary('bmm', o);
  }

  // ---- reductions -----------------------------------------------------------------------------
  sum(dim?: Dims, keepdim = false): Tensor {
    return new Tensor(native.sum(this.handle, dimList(dim), keepdim));
  }
  mean(dim?: Dims, keepdim = false): Tensor {
    return new Tensor(native.mean(this.handle, dimList(dim), keepdim));
  }
  prod(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.prod(this.handle, dim, keepdim));
  }
  /** Maximum over all elements, or over dims (values only). */
  amax(dim?: Dims, keepdim = false): Tensor {
    return new Tensor(native.amax(this.handle, dimList(dim), keepdim));
  }
  amin(dim?: Dims, keepdim = false): Tensor {
    return new Tensor(native.amin(this.handle, dimList(dim), keepdim));
  }
  /** max() over everything, or max(dim) -> { values, indices } as in PyTorch. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return this.amax();
    const [v, i] = native.maxDim(this.handle, dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return this.amin();
    const [v, i] = native.minDim(this.handle, dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.argmax(this.handle, dim, keepdim));
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.argmin(this.handle, dim, keepdim));
  }
  /** Variance with Bessel's correction by default (correction = 1), as torch.var. */
  var(dim?: Dims, opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return new Tensor(native.var(this.handle, dimList(dim), opts.correction ?? 1, opts.keepdim ?? false));
  }
  std(dim?: Dims, opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return new Tensor(native.std(this.handle, dimList(dim), opts.correction ?? 1, opts.keepdim ?? false));
  }
  norm(p = 2, dim?: Dims, keepdim = false): Tensor {
    return new Tensor(native.norm(this.handle, p, dimList(dim), keepdim));
  }
  logsumexp(dim?: Dims, keepdim = false): Tensor {
    return new Tensor(native.logsumexp(this.handle, dimList(dim), keepdim));
  }
  cumsum(dim: number): Tensor {
    return new Tensor(native.cumsum(this.handle, dim));
  }
  all(): Tensor {
    return new Tensor(native.all(this.handle));
  }
  any(): Tensor {
    return new Tensor(native.any(this.handle));
  }
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    const [v, i] = native.sort(this.handle, dim, descending);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  topk(k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
    const [v, i] = native.topk(this.handle, k, dim, largest);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }

  // ---- shape ----------------------------------------------------------------------------------
  private checkNumel(shape: readonly number[], op: string): number[] {
    const s = [...shape];
    const infer = s.filter((d) => d === -1).length;
    if (infer > 1) throw new RangeError(`${op}: only one dimension can be -1, got [${shape}]`);
    const known = s.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const n = this.numel;
    if (s.some((d) => !Number.isInteger(d) || d < -1) || (infer ? known === 0 || n % known !== 0 : known !== n)) {
      throw new RangeError(`${op}: cannot view a tensor of shape [${this.shape}] (${n} elements) as [${shape}]`);
    }
    return s;
  }
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    const s = Array.isArray(shape[0]) ? (shape[0] as number[]) : (shape as number[]);
    return new Tensor(native.reshape(this.handle, this.checkNumel(s, 'reshape')));
  }
  view(...shape: number[] | [readonly number[]]): Tensor {
    const s = Array.isArray(shape[0]) ? (shape[0] as number[]) : (shape as number[]);
    return new Tensor(native.view(this.handle, this.checkNumel(s, 'view')));
  }
  permute(...dims: number[] | [readonly number[]]): Tensor {
    const d = Array.isArray(dims[0]) ? (dims[0] as number[]) : (dims as number[]);
    if (d.length !== this.ndim) {
      throw new RangeError(`permute: got ${d.length} dims [${d}] for a ${this.ndim}-D tensor of shape [${this.shape}]`);
    }
    return new Tensor(native.permute(this.handle, d));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(native.transpose(this.handle, dim0, dim1));
  }
  /** Transpose of a 2-D tensor. */
  t(): Tensor {
    if (this.ndim !== 2) throw new RangeError(`t() needs a 2-D tensor, got shape [${this.shape}]`);
    return this.transpose(0, 1);
  }
  squeeze(dim?: number): Tensor {
    return new Tensor(native.squeeze(this.handle, dim));
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(native.unsqueeze(this.handle, dim));
  }
  expand(...shape: number[] | [readonly number[]]): Tensor {
    const s = Array.isArray(shape[0]) ? (shape[0] as number[]) : (shape as number[]);
    return new Tensor(native.expand(this.handle, s));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return new Tensor(native.flatten(this.handle, startDim, endDim));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(native.narrow(this.handle, dim, start, length));
  }
  /** Elements start..end (exclusive) with a step along dim, like x[:, start:end:step]. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return new Tensor(native.slice(this.handle, dim, start, end, step));
  }
  select(dim: number, index: number): Tensor {
    return new Tensor(native.select(this.handle, dim, index));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(native.indexSelect(this.handle, dim, index.handle));
  }
  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(native.gather(this.handle, dim, index.handle));
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return new Tensor(native.scatterAdd(this.handle, dim, index.handle, src.handle));
  }
  flip(dims: Dims): Tensor {
    return new Tensor(native.flip(this.handle, dimList(dims)));
  }
  roll(shifts: number | readonly number[], dims: Dims): Tensor {
    return new Tensor(native.roll(this.handle, dimList(shifts), dimList(dims)));
  }
  repeat(...reps: number[]): Tensor {
    return new Tensor(native.repeat(this.handle, reps));
  }
  split(sizeOrSizes: number | readonly number[], dim = 0): Tensor[] {
    const arg = typeof sizeOrSizes === 'number' ? sizeOrSizes : [...sizeOrSizes];
    return (native.split(this.handle, arg, dim) as Handle[]).map((h) => new Tensor(h));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return (native.chunk(this.handle, chunks, dim) as Handle[]).map((h) => new Tensor(h));
  }
  unbind(dim = 0): Tensor[] {
    return (native.unbind(this.handle, dim) as Handle[]).map((h) => new Tensor(h));
  }
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return new Tensor(native.diagonal(this.handle, offset, dim1, dim2));
  }

  // ---- in place (for optimizers and initialisers; not recorded for autograd on leaves) --------
  /** @internal */
  inplace(op: string, other: TensorOrScalar): this {
    native.inplace(INPLACE[op], this.handle, argOf(other));
    return this;
  }
  add_(o: TensorOrScalar, alpha = 1): this {
    if (alpha === 1) return this.inplace('add_', o);
    native.addScaled_(this.handle, argOf(o), alpha);
    return this;
  }
  sub_(o: TensorOrScalar): this {
    return this.inplace('sub_', o);
  }
  mul_(o: TensorOrScalar): this {
    return this.inplace('mul_', o);
  }
  div_(o: TensorOrScalar): this {
    return this.inplace('div_', o);
  }
  pow_(o: TensorOrScalar): this {
    return this.inplace('pow_', o);
  }
  copy_(src: Tensor): this {
    return this.inplace('copy_', src);
  }
  fill_(v: TensorOrScalar): this {
    return this.inplace('fill_', v);
  }
  zero_(): this {
    native.zero_(this.handle);
    return this;
  }
  clamp_(min?: number, max?: number): this {
    native.clamp_(this.handle, min, max);
    return this;
  }
  /** this += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    native.addcmul_(this.handle, t1.handle, t2.handle, value);
    return this;
  }
  /** this += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    native.addcdiv_(this.handle, t1.handle, t2.handle, value);
    return this;
  }
  /** this += weight * (end - this) */
  lerp_(end: Tensor, weight: number): this {
    native.lerp_(this.handle, end.handle, weight);
    return this;
  }
  normal_(mean = 0, std = 1, generator?: { handle: unknown }): this {
    native.normal_(this.handle, mean, std, generator?.handle);
    return this;
  }
  uniform_(low = 0, high = 1, generator?: { handle: unknown }): this {
    native.uniform_(this.handle, low, high, generator?.handle);
    return this;
  }
}

export function assertTensor(x: unknown, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

export { checkDType };
