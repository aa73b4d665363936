// Device strings ('cpu', 'cuda', 'cuda:1') are passed to libtorch; this checks the common mistake first.
import { native } from './native.js';

let cuda: boolean | undefined;

/** Returns the device string, or throws a clear error when CUDA is asked of a CPU-only libtorch. */
export function checkDevice(device: string | undefined): string | undefined {
  if (device === undefined || device === 'cpu') return device;
  if (typeof device !== 'string') throw new TypeError(`device must be a string such as 'cpu' or 'cuda', got ${typeof device}`);
  if (!/^(cpu|cuda)(:\d+)?$/.test(device)) throw new RangeError(`device must be cpu, cuda or cuda:N (N = 0, 1, …), got '${device}'`);
  if (device.startsWith('cuda')) {
    cuda ??= native.cudaAvailable() as boolean;
    if (!cuda) {
      throw new Error(
        `device '${device}' requested, but this libtorch has no CUDA support (or no GPU is visible). ` +
          'Build the addon against a CUDA libtorch: LIBTORCH=/path/to/libtorch npm run build:native',
      );
    }
  }
  return device;
}
