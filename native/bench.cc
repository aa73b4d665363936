// The engine benchmark's reference: the CNN training step of the engine notes, run wholly in C++,
// so that the TypeScript op-by-op version can be compared against it (overhead ratio).
#include <c10/core/GradMode.h>

#include <chrono>

#include "common.h"

namespace mimo {
namespace {

using Info = const Napi::CallbackInfo&;

// Four 3x3 convolutions (cin -> c -> c -> c -> c) with ReLU, mean-square loss, plain SGD step.
// Arguments: batch, height/width, cin, c, steps, channelsLast, seed. Returns the time of each step in ms.
Napi::Value CnnStep(Info info) {
  int64_t batch = I64(info[0]), hw = I64(info[1]), cin = I64(info[2]), c = I64(info[3]), steps = I64(info[4]);
  bool channelsLast = Bool(info[5]);
  at::manual_seed(I64(info[6]));
  auto fmt = channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  std::vector<at::Tensor> params;
  int64_t in = cin;
  for (int i = 0; i < 4; i++) {
    at::Tensor w = (at::randn({c, in, 3, 3}) * (1.0 / std::sqrt(9.0 * in))).contiguous(fmt);
    w.set_requires_grad(true);
    at::Tensor b = at::zeros({c});
    b.set_requires_grad(true);
    params.push_back(w);
    params.push_back(b);
    in = c;
  }
  at::Tensor x = at::randn({batch, cin, hw, hw}).contiguous(fmt);
  at::Tensor target = at::randn({batch, c, hw, hw}).contiguous(fmt);
  const double lr = 0.01;
  std::vector<double> times;
  for (int64_t s = 0; s < steps; s++) {
    auto t0 = std::chrono::steady_clock::now();
    at::Tensor h = x;
    for (int i = 0; i < 4; i++) h = at::relu(at::conv2d(h, params[2 * i], params[2 * i + 1], {1, 1}, {1, 1}));
    at::Tensor loss = at::mse_loss(h, target);
    loss.backward();
    {
      c10::NoGradGuard ng;
      for (auto& p : params) {
        p.add_(p.grad(), -lr);
        p.mutable_grad().reset();
      }
    }
    auto t1 = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  auto arr = Napi::Array::New(info.Env(), times.size());
  for (size_t i = 0; i < times.size(); i++) arr.Set(static_cast<uint32_t>(i), times[i]);
  return arr;
}

}  // namespace

void registerBench(Napi::Env env, Napi::Object e) { def(env, e, "benchCnnStep", CnnStep); }

}  // namespace mimo
