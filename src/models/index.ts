// Models: MIMOConv (a WideResNet in superposition), its plain WideResNet baseline, the demo CNN, DataMUX, MIMOFormer, checkpoints.
export * from './mimoconv.js';
export * from './wideresnet.js';
export * from './checkpoint.js';
export * from './mnist_cnn.js';
export * from './datamux.js';
export * from './datamux_demux.js';
export * from './transformer.js';
export * from './datamux_vision.js';
export * from './favor.js';
export * from './mimoformer.js';
export * from './mimoformer_attention.js';
export * from './mimoformer_macs.js';
export * from './mimoformer_interference.js';
