// The tensor layer: libtorch tensors, autograd and functional ops for TypeScript.
export { Tensor } from './tensor.js';
export type { Scalar, TensorOrScalar, Dims } from './tensor.js';
export { DTYPES, isFloating } from './dtype.js';
export type { DType, TypedArray } from './dtype.js';
export { TorchError } from './native.js';
export { checkDevice } from './device.js';
export { tidy, keep, liveTensors } from './scope.js';
export * from './creation.js';
export * from './ops.js';
export { noGrad, enableGrad, isGradEnabled, grad, gradCheck } from './autograd.js';
export type { GradCheckResult } from './autograd.js';
export * as F from './functional.js';
export * as fft from './fft.js';
export * from './runtime.js';
