// The nn layer: modules, layers, initialisers and optimizers, built on the tensor layer only.
//
// Exports: Module and the layers flat (nn.Linear, nn.Conv2d, ...); initialisers as the namespace
// `init` (nn.init.kaimingUniform_, like torch.nn.init); optimizers, schedules and gradient clipping
// as the namespace `optim` (nn.optim.AdamW, nn.optim.OneCycleLR, nn.optim.clipGradNorm_). The
// gradient utilities are also exported flat (nn.clipGradNorm_, nn.gradsFinite), as torch.nn.utils has them.
export { Module } from './module.js';
export type { StateDict, LoadStateDictOptions, LoadStateDictResult } from './module.js';
export type { LayerOptions } from './layers/options.js';
export { Linear } from './layers/linear.js';
export { Conv2d } from './layers/conv.js';
export type { Conv2dOptions } from './layers/conv.js';
export { BatchNormBase, BatchNorm1d, BatchNorm2d } from './layers/batchnorm.js';
export type { BatchNormOptions } from './layers/batchnorm.js';
export { LayerNorm } from './layers/layernorm.js';
export type { LayerNormOptions } from './layers/layernorm.js';
export { Embedding } from './layers/embedding.js';
export { Dropout } from './layers/dropout.js';
export { ReLU, GELU, Tanh, Sigmoid, Identity, PReLU } from './layers/activation.js';
export { Flatten } from './layers/flatten.js';
export { Sequential } from './layers/sequential.js';
export * as init from './init.js';
export * as optim from './optim/index.js';
export { clipGradNorm_, gradsFinite } from './optim/clip.js';
export { maskedMean } from './pooling.js';
export { isometryPenalty, kernelGram, kernelIsometryPenalty } from './isometry.js';
