// Reading and writing tensors to files.
export * from './safetensors.js';
export { appendLineAtomic, writeFileAtomic, writeTextAtomic } from './atomic.js';
