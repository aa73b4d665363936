// Cost of ISONet's isometry regulariser in a MIMOConv training step (session 25).
// Usage: node bin/mimo.js run docs/runs/isometry-overhead.mjs [depth width groups reps]
// One process, alternating steps with and without the penalty, so the ratio is taken within one run.
import { Generator, randn, randint, tidy, F, nn, models } from 'mimo';
const { MIMOConv } = models;

const [depth, width, groups, reps] = (process.argv.slice(2).length ? process.argv.slice(2) : ['16', '4', '32', '6']).map(Number);
const model = new MIMOConv({ depth, width, cap: 4 }, new Generator(0));
model.train();
const opt = new nn.optim.SGD(model.parameters(), { lr: 1e-3, momentum: 0.9 });
const x = randn([groups * 4, 3, 32, 32], { generator: new Generator(1) });
const y = randint(0, 10, [groups * 4], { generator: new Generator(2) });

function step(iso) {
  const t = performance.now();
  tidy(() => {
    let loss = F.crossEntropy(model.forward(x, 4), y).add(model.keyLoss().mul(0.1));
    if (iso) loss = loss.add(model.isometryLoss().mul(1e-4));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  });
  return performance.now() - t;
}
function penaltyAlone() {
  const t = performance.now();
  tidy(() => {
    opt.zeroGrad();
    model.isometryLoss().backward();
    return 0;
  });
  return performance.now() - t;
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
step(false); step(true); penaltyAlone(); // warm-up
const off = [], on = [], alone = [];
for (let r = 0; r < reps; r++) {
  off.push(step(false));
  on.push(step(true));
  alone.push(penaltyAlone());
}
const convs = model.trunk.convs().length;
const res = {
  config: { depth, width, cap: 4, groups, images_per_step: groups * 4, reps, trunk_convs: convs },
  step_ms_without: Math.round(median(off)), step_ms_with: Math.round(median(on)), penalty_forward_backward_ms: Math.round(median(alone)),
  overhead: Number((median(on) / median(off)).toFixed(3)),
};
console.log(JSON.stringify(res));
