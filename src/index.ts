// mimo's public API. The tensor layer is exported flat (tensor, randn, tidy, F, fft, ...), the other
// layers as namespaces: nn (modules, layers, nn.init, nn.optim), io (safetensors), superposition
// (binding, multiplexing, interference), data (data sets), models, serve (the HTTP server).
export * from './tensor/index.js';
export * as nn from './nn/index.js';
export { optim } from './nn/index.js';
export * as io from './io/index.js';
export * as superposition from './superposition/index.js';
export * as data from './data/index.js';
export * as models from './models/index.js';
export * as serve from './serve/index.js';
