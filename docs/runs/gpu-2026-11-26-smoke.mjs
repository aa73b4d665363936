// CUDA smoke test of the addon (session 22): values on the GPU against the CPU, a gradient, a
// checkpoint-style copy back, and a native error (mixing devices) surfacing as a JS exception.
import { Generator, randn, synchronize, cudaAvailable, cudaDeviceCount, TorchError } from '../../dist/tensor/index.js';
const out = {};
out.cuda = cudaAvailable();
out.devices = cudaDeviceCount();
const g = new Generator(1);
const a = randn([256, 128], { generator: g });
const b = randn([128, 64], { generator: g });
const ref = a.matmul(b);
const ga = a.to('cuda').requiresGrad_(true);
const gb = b.to('cuda');
const y = ga.matmul(gb);
synchronize();
out.device = y.device;
out.matmul_max_abs_diff = y.to('cpu').sub(ref).abs().amax().item();
y.square().sum().backward();
// d/da sum((ab)^2) = 2 (ab) b^T
const gref = ref.mul(2).matmul(b.t());
out.grad_max_abs_diff = ga.grad.to('cpu').sub(gref).abs().amax().item();
out.grad_scale = gref.abs().amax().item();
try {
  b.add(gb); // same shapes, different devices
  out.mixed_devices = 'no error';
} catch (e) {
  out.mixed_devices = `${e instanceof TorchError ? 'TorchError' : e.constructor.name}: ${String(e.message).split('\n')[0].slice(0, 160)}`;
}
console.log(JSON.stringify(out, null, 1));
