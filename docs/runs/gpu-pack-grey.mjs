// Rewrites CIFAR-10 binary files (official format: 1 label byte + 3×1024 CHW pixel bytes per image)
// with R = G = B = the image's LRA grey level, for carrying LRA Image data to a GPU machine: the
// project's loader turns them into the same tokens (greyLevel(g, g, g) = g for every g, checked
// below), and xz packs them into a third of the size (the G and B planes repeat R).
// Usage: node docs/runs/gpu-pack-grey.mjs SRC.bin DST.bin [SRC.bin DST.bin ...] (after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const { greyLevel, greyTokens, LRA_IMAGE_LENGTH: PLANE } = await import(resolve('dist/data/lra_image.js'));
const { CIFAR10_RECORD_BYTES: REC } = await import(resolve('dist/data/cifar10.js'));
for (let g = 0; g < 256; g++) if (greyLevel(g, g, g) !== g) throw new Error(`grey level of (${g}, ${g}, ${g}) is ${greyLevel(g, g, g)}: grey-as-RGB files would change the tokens`);
const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2) throw new Error('usage: gpu-pack-grey.mjs SRC.bin DST.bin [SRC.bin DST.bin ...]');
for (let a = 0; a < args.length; a += 2) {
  const src = readFileSync(args[a]);
  if (src.length % REC) throw new Error(`${args[a]}: ${src.length} bytes is not a whole number of ${REC}-byte records`);
  const out = Buffer.alloc(src.length);
  for (let i = 0; i < src.length / REC; i++) {
    const grey = greyTokens(src.subarray(i * REC + 1, (i + 1) * REC), 1);
    out[i * REC] = src[i * REC];
    for (let c = 0; c < 3; c++) out.set(grey, i * REC + 1 + c * PLANE);
  }
  writeFileSync(args[a + 1], out);
}
