// Computing in superposition: binding (HRR, position-wise HRR, MAP, MBAT), keys and their regulariser,
// DataMUX multiplexers, superposition with slot repetition, and the interference meter.
export { bind, unbind, exactInverse, approximateInverse, circulant, alignKey } from './hrr.js';
export type { InverseOptions, UnbindOptions } from './hrr.js';
export { PositionWiseHRR, CIRCULANT_MAX_CHANNELS } from './pwhrr.js';
export type { PositionWiseHRROptions, HRRMethod } from './pwhrr.js';
export { MAP, mapBind, mapUnbind } from './map.js';
export { MBAT, mbatBind, mbatUnbind, applySlotMatrices, inverseMatrices } from './mbat.js';
export type { MBATOptions, MBATUnbindOptions } from './mbat.js';
export { Multiplexer, GaussianHadamard, RandomOrthogonal, BinaryHadamard, binaryHadamardRanges, binaryHadamardMasks } from './mux.js';
export type { MuxOptions } from './mux.js';
export { superpose, groupInputs, ungroupOutputs, repeatSlots, averageReplicas } from './superpose.js';
export type { SuperposeMode } from './superpose.js';
export { bipolarKeys, hadamardKeys, gaussianKeys, uniformKeys, unitaryKeys, keyRegularizer, keyGenerator } from './keys.js';
export type { KeyOptions } from './keys.js';
export { BINDINGS, measureInterference, interferenceRows, interferenceTheory } from './interference.js';
export type { Binding, InterferenceOptions, InterferenceRow } from './interference.js';
