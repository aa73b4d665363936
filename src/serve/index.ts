// Serving MIMOConv, MIMOFormer and DataMUX over HTTP with operating points on demand: the server, its
// scheduler and policy, request decoding, and the default model.
export { startServer } from './server.js';
export type { ServeOptions, RunningServer } from './server.js';
export { Scheduler } from './scheduler.js';
export type { Engine, Output, Answer, BatchReport, SchedulerOptions } from './scheduler.js';
export { CostModel } from './cost.js';
export type { CostSample, CostSnapshot } from './cost.js';
export { capacity, chooseAutoN, largestBatchGroups, parsePolicy, policyJson, divisorsOf, operatingPointError } from './policy.js';
export type { BatchLimits, Policy, LoadState } from './policy.js';
export { LatencyFloor } from './feedback.js';
export { decodeInputs, MEDIA_TYPES } from './decode.js';
export type { InputSpec } from './decode.js';
export { decodeSequences } from './decode_sequence.js';
export type { SequenceSpec } from './decode_sequence.js';
export { decodeSentences } from './decode_sentence.js';
export type { SentenceSpec } from './decode_sentence.js';
export { describeCheckpoint } from './model.js';
export type { ServedModel, ServedMIMOConv, ServedMIMOFormer, ServedDataMUX, ServedDataMUXVision, DescribeOptions } from './model.js';
export { ServeError } from './errors.js';
export { WorkerEngine } from './engine.js';
export { ensureDefaultModel, DEFAULT_MODEL_CONFIG, DEFAULT_RUN_DIR } from './default_model.js';
