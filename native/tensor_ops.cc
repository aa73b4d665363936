// Tensor creation, elementwise arithmetic, reductions, shape ops, random numbers and autograd.
#include <torch/csrc/autograd/autograd.h>
#include <torch/cuda.h>
#include <torch/csrc/autograd/generated/variable_factories.h>

#include <cstring>

#include "common.h"

namespace mimo {
namespace {

using Info = const Napi::CallbackInfo&;
using Unary = at::Tensor (*)(const at::Tensor&);
using Binary = at::Tensor (*)(const at::Tensor&, const at::Tensor&);
using InplaceBinary = void (*)(at::Tensor&, const at::Tensor&);

// Tables indexed by the position of the name; the names are exported so that TypeScript builds
// its own name -> index map from them and the two sides cannot drift apart.
#define U(name, expr) {name, [](const at::Tensor& x) -> at::Tensor { return expr; }}
const std::vector<std::pair<const char*, Unary>> kUnary = {
    U("neg", at::neg(x)),         U("abs", at::abs(x)),           U("exp", at::exp(x)),
    U("log", at::log(x)),         U("sqrt", at::sqrt(x)),         U("rsqrt", at::rsqrt(x)),
    U("sign", at::sign(x)),       U("sin", at::sin(x)),           U("cos", at::cos(x)),
    U("tanh", at::tanh(x)),       U("sigmoid", at::sigmoid(x)),   U("relu", at::relu(x)),
    U("floor", at::floor(x)),     U("ceil", at::ceil(x)),         U("round", at::round(x)),
    U("reciprocal", at::reciprocal(x)), U("square", at::square(x)), U("log1p", at::log1p(x)),
    U("expm1", at::expm1(x)),     U("erf", at::erf(x)),           U("logicalNot", at::logical_not(x)),
    U("isnan", at::isnan(x)),     U("isfinite", at::isfinite(x)), U("trunc", at::trunc(x)),
    U("silu", at::silu(x)),       U("conj", at::conj_physical(x)), U("real", at::real(x)),
    U("imag", at::imag(x)),       U("viewAsReal", at::view_as_real(x)),
    U("viewAsComplex", at::view_as_complex(x)), U("clone", x.clone()),
    U("detach", x.detach()),      U("tril", at::tril(x)),         U("triu", at::triu(x)),
    U("angle", at::angle(x)),     U("log2", at::log2(x)),         U("atan", at::atan(x)),
};
#undef U

#define B(name, expr) {name, [](const at::Tensor& a, const at::Tensor& b) -> at::Tensor { return expr; }}
const std::vector<std::pair<const char*, Binary>> kBinary = {
    B("add", at::add(a, b)),          B("sub", at::sub(a, b)),         B("mul", at::mul(a, b)),
    B("div", at::div(a, b)),          B("pow", at::pow(a, b)),         B("maximum", at::maximum(a, b)),
    B("minimum", at::minimum(a, b)),  B("remainder", at::remainder(a, b)),
    B("floorDivide", at::div(a, b, "floor")), B("eq", at::eq(a, b)), B("ne", at::ne(a, b)),
    B("lt", at::lt(a, b)),            B("le", at::le(a, b)),           B("gt", at::gt(a, b)),
    B("ge", at::ge(a, b)),            B("logicalAnd", at::logical_and(a, b)),
    B("logicalOr", at::logical_or(a, b)), B("atan2", at::atan2(a, b)), B("matmul", at::matmul(a, b)),
    B("bmm", at::bmm(a, b)),          B("mm", at::mm(a, b)),           B("complex", at::complex(a, b)),
    B("polar", at::polar(a, b)),
};
#undef B

#define IB(name, stmt) {name, [](at::Tensor& a, const at::Tensor& b) { stmt; }}
const std::vector<std::pair<const char*, InplaceBinary>> kInplace = {
    IB("add_", a.add_(b)), IB("sub_", a.sub_(b)), IB("mul_", a.mul_(b)), IB("div_", a.div_(b)),
    IB("copy_", a.copy_(b)), IB("fill_", a.fill_(b)), IB("maximum_", at::maximum_out(a, a, b)),
    IB("pow_", a.pow_(b)),
};
#undef IB

template <typename F>
Napi::Value names(Napi::Env env, const std::vector<std::pair<const char*, F>>& table) {
  auto arr = Napi::Array::New(env, table.size());
  for (size_t i = 0; i < table.size(); i++) arr.Set(static_cast<uint32_t>(i), table[i].first);
  return arr;
}

template <typename F>
F lookup(Info info, const std::vector<std::pair<const char*, F>>& table) {
  int64_t code = I64(info[0]);
  if (code < 0 || code >= static_cast<int64_t>(table.size()))
    throw Napi::RangeError::New(info.Env(), "unknown op code " + std::to_string(code));
  return table[code].second;
}

c10::optional<int64_t> OInt(const Napi::Value& v) {
  if (Absent(v)) return c10::nullopt;
  return I64(v);
}

// Dimensions argument: absent -> every dimension.
std::vector<int64_t> DimsOrAll(const Napi::Value& v, const at::Tensor& t) {
  if (!Absent(v)) return Ints(v);
  std::vector<int64_t> all(t.dim());
  for (int64_t i = 0; i < t.dim(); i++) all[i] = i;
  return all;
}

Napi::Value Live(Info info) { return Napi::Number::New(info.Env(), static_cast<double>(g_live.load())); }

Napi::Value Dispose(Info info) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a tensor handle");
  release(info.Env(), info[0].As<Napi::External<Holder>>().Data());
  return info.Env().Undefined();
}

Napi::Value ReportToGC(Info info) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a tensor handle");
  reportToGC(info.Env(), info[0].As<Napi::External<Holder>>().Data());
  return info.Env().Undefined();
}

Napi::Value Shape(Info info) {
  const at::Tensor& t = T(info[0]);
  auto arr = Napi::Array::New(info.Env(), t.dim());
  for (int64_t i = 0; i < t.dim(); i++) arr.Set(static_cast<uint32_t>(i), static_cast<double>(t.size(i)));
  return arr;
}

Napi::Value Strides(Info info) {
  const at::Tensor& t = T(info[0]);
  auto arr = Napi::Array::New(info.Env(), t.dim());
  for (int64_t i = 0; i < t.dim(); i++) arr.Set(static_cast<uint32_t>(i), static_cast<double>(t.stride(i)));
  return arr;
}

Napi::Value Meta(Info info) {
  // [dtype code, device string, requires_grad, is_contiguous] in one call.
  const at::Tensor& t = T(info[0]);
  auto arr = Napi::Array::New(info.Env(), 4);
  arr.Set(0u, static_cast<double>(static_cast<int>(t.scalar_type())));
  arr.Set(1u, t.device().str());
  arr.Set(2u, t.requires_grad());
  arr.Set(3u, t.is_contiguous());
  return arr;
}

Napi::Value FromBytes(Info info) {
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "expected a typed array of bytes");
  auto arr = info[0].As<Napi::TypedArray>();
  auto shape = Ints(info[1]);
  auto dtype = DType(info[2]);
  int64_t numel = 1;
  for (auto s : shape) {
    if (s < 0) throw Napi::RangeError::New(info.Env(), "negative dimension in shape");
    if (s > 0 && numel > (int64_t{1} << 50) / s) throw Napi::RangeError::New(info.Env(), "shape is too large");
    numel *= s;
  }
  size_t need = static_cast<size_t>(numel) * c10::elementSize(dtype);
  if (arr.ByteLength() != need)
    throw Napi::RangeError::New(info.Env(), "data holds " + std::to_string(arr.ByteLength()) +
                                                " bytes but the shape and dtype need " + std::to_string(need));
  auto* src = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  if (dtype == at::kBool) {
    for (size_t i = 0; i < need; i++)
      if (src[i] > 1)
        throw Napi::RangeError::New(info.Env(), "bool data must be bytes 0 or 1, found " + std::to_string(src[i]) +
                                                    " at element " + std::to_string(i));
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  if (need) std::memcpy(t.data_ptr(), src, need);
  if (!Absent(info[3])) t = t.to(Dev(info[3]));
  RET(t);
}

Napi::Value ToBytes(Info info) {
  at::Tensor t = T(info[0]).detach();
  t = t.resolve_conj().resolve_neg();
  t = t.to(at::kCPU).contiguous();
  size_t n = t.numel() * t.element_size();
  auto buf = Napi::ArrayBuffer::New(info.Env(), n);
  if (n) std::memcpy(buf.Data(), t.data_ptr(), n);
  return Napi::Uint8Array::New(info.Env(), n, buf, 0);
}

Napi::Value Item(Info info) {
  const at::Tensor& t = T(info[0]);
  if (t.numel() != 1)
    throw Napi::RangeError::New(info.Env(), "item() needs a tensor with one element, got " + std::to_string(t.numel()));
  if (t.scalar_type() == at::kBool) return Napi::Boolean::New(info.Env(), t.item<bool>());
  return Napi::Number::New(info.Env(), t.item<double>());
}

Napi::Value Zeros(Info info) { RET(at::zeros(Ints(info[0]), Opts(info[1], info[2]))); }
Napi::Value Ones(Info info) { RET(at::ones(Ints(info[0]), Opts(info[1], info[2]))); }
Napi::Value Empty(Info info) { RET(at::empty(Ints(info[0]), Opts(info[1], info[2]))); }
Napi::Value Full(Info info) { RET(at::full(Ints(info[0]), F64(info[1]), Opts(info[2], info[3]))); }
Napi::Value Arange(Info info) {
  RET(at::arange(F64(info[0]), F64(info[1]), F64(info[2]), Opts(info[3], info[4])));
}
Napi::Value Linspace(Info info) {
  RET(at::linspace(F64(info[0]), F64(info[1]), I64(info[2]), Opts(info[3], info[4])));
}
Napi::Value Eye(Info info) { RET(at::eye(I64(info[0]), I64(info[1]), Opts(info[2], info[3]))); }

Napi::Value Rand(Info info) { RET(at::rand(Ints(info[0]), Gen(info[3]), Opts(info[1], info[2]))); }
Napi::Value Randn(Info info) { RET(at::randn(Ints(info[0]), Gen(info[3]), Opts(info[1], info[2]))); }
Napi::Value Randint(Info info) {
  RET(at::randint(I64(info[0]), I64(info[1]), Ints(info[2]), Gen(info[5]), Opts(info[3], info[4])));
}
Napi::Value Randperm(Info info) { RET(at::randperm(I64(info[0]), Gen(info[3]), Opts(info[1], info[2]))); }
Napi::Value Bernoulli(Info info) {
  // bernoulli(probabilities) or bernoulli(like, p)
  if (Absent(info[1])) RET(at::bernoulli(T(info[0]), Gen(info[2])));
  RET(at::bernoulli(T(info[0]), F64(info[1]), Gen(info[2])));
}
Napi::Value Normal_(Info info) {
  T(info[0]).normal_(F64(info[1]), F64(info[2]), Gen(info[3]));
  return info.Env().Undefined();
}
Napi::Value Uniform_(Info info) {
  T(info[0]).uniform_(F64(info[1]), F64(info[2]), Gen(info[3]));
  return info.Env().Undefined();
}
Napi::Value Multinomial(Info info) {
  RET(at::multinomial(T(info[0]), I64(info[1]), Bool(info[2]), Gen(info[3])));
}

Napi::Value NewGenerator(Info info) {
  auto* g = new at::Generator(at::detail::createCPUGenerator(static_cast<uint64_t>(I64(info[0]))));
  return Napi::External<at::Generator>::New(info.Env(), g, [](Napi::Env, at::Generator* p) { delete p; });
}
Napi::Value ManualSeed(Info info) {
  auto seed = static_cast<uint64_t>(I64(info[0]));
  auto gen = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  }
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
  return info.Env().Undefined();
}

Napi::Value UnaryNames(Info info) { return names(info.Env(), kUnary); }
Napi::Value BinaryNames(Info info) { return names(info.Env(), kBinary); }
Napi::Value InplaceNames(Info info) { return names(info.Env(), kInplace); }
Napi::Value UnaryOp(Info info) { RET(lookup(info, kUnary)(T(info[1]))); }
Napi::Value BinaryOp(Info info) { RET(lookup(info, kBinary)(TOrScalar(info[1]), TOrScalar(info[2]))); }
Napi::Value InplaceOp(Info info) {
  auto f = lookup(info, kInplace);
  at::Tensor self = T(info[1]);
  f(self, TOrScalar(info[2]));
  return info.Env().Undefined();
}

Napi::Value AddScaled_(Info info) {  // self += alpha * other
  T(info[0]).add_(TOrScalar(info[1]), F64(info[2]));
  return info.Env().Undefined();
}
Napi::Value Addcmul_(Info info) {
  T(info[0]).addcmul_(T(info[1]), T(info[2]), F64(info[3]));
  return info.Env().Undefined();
}
Napi::Value Addcdiv_(Info info) {
  T(info[0]).addcdiv_(T(info[1]), T(info[2]), F64(info[3]));
  return info.Env().Undefined();
}
Napi::Value Lerp_(Info info) {
  T(info[0]).lerp_(T(info[1]), F64(info[2]));
  return info.Env().Undefined();
}
Napi::Value Zero_(Info info) {
  T(info[0]).zero_();
  return info.Env().Undefined();
}
Napi::Value Clamp_(Info info) {
  c10::optional<at::Scalar> lo, hi;
  if (!Absent(info[1])) lo = F64(info[1]);
  if (!Absent(info[2])) hi = F64(info[2]);
  T(info[0]).clamp_(lo, hi);
  return info.Env().Undefined();
}
Napi::Value Clamp(Info info) {
  c10::optional<at::Scalar> lo, hi;
  if (!Absent(info[1])) lo = F64(info[1]);
  if (!Absent(info[2])) hi = F64(info[2]);
  RET(at::clamp(T(info[0]), lo, hi));
}
Napi::Value Where(Info info) { RET(at::where(T(info[0]), TOrScalar(info[1]), TOrScalar(info[2]))); }
Napi::Value Linear(Info info) { RET(at::linear(T(info[0]), T(info[1]), OT(info[2]))); }
Napi::Value Einsum(Info info) { RET(at::einsum(Str(info[0]), Ts(info[1]))); }
Napi::Value Cast(Info info) { RET(T(info[0]).to(DType(info[1]))); }
Napi::Value ToDevice(Info info) { RET(T(info[0]).to(Dev(info[1]))); }
Napi::Value Contiguous(Info info) {
  bool channelsLast = Bool(info[1]);
  RET(T(info[0]).contiguous(channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous));
}

// Reductions. Absent dims reduce over everything.
Napi::Value Sum(Info info) {
  const at::Tensor& t = T(info[0]);
  if (Absent(info[1])) RET(at::sum(t));
  RET(at::sum(t, Ints(info[1]), Bool(info[2])));
}
Napi::Value Mean(Info info) {
  const at::Tensor& t = T(info[0]);
  if (Absent(info[1])) RET(at::mean(t));
  RET(at::mean(t, Ints(info[1]), Bool(info[2])));
}
Napi::Value Prod(Info info) {
  const at::Tensor& t = T(info[0]);
  if (Absent(info[1])) RET(at::prod(t));
  RET(at::prod(t, I64(info[1]), Bool(info[2])));
}
Napi::Value Amax(Info info) { RET(at::amax(T(info[0]), DimsOrAll(info[1], T(info[0])), Bool(info[2]))); }
Napi::Value Amin(Info info) { RET(at::amin(T(info[0]), DimsOrAll(info[1], T(info[0])), Bool(info[2]))); }
Napi::Value MaxDim(Info info) {
  auto r = at::max(T(info[0]), I64(info[1]), Bool(info[2]));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
Napi::Value MinDim(Info info) {
  auto r = at::min(T(info[0]), I64(info[1]), Bool(info[2]));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
Napi::Value Argmax(Info info) { RET(at::argmax(T(info[0]), OInt(info[1]), Bool(info[2]))); }
Napi::Value Argmin(Info info) { RET(at::argmin(T(info[0]), OInt(info[1]), Bool(info[2]))); }
Napi::Value Var(Info info) {
  RET(at::var(T(info[0]), DimsOrAll(info[1], T(info[0])), c10::optional<int64_t>(I64(info[2])), Bool(info[3])));
}
Napi::Value Std(Info info) {
  RET(at::std(T(info[0]), DimsOrAll(info[1], T(info[0])), c10::optional<int64_t>(I64(info[2])), Bool(info[3])));
}
Napi::Value Norm(Info info) {
  c10::optional<at::Scalar> p = F64(info[1]);
  RET(at::norm(T(info[0]), p, DimsOrAll(info[2], T(info[0])), Bool(info[3])));
}
Napi::Value Logsumexp(Info info) {
  RET(at::logsumexp(T(info[0]), DimsOrAll(info[1], T(info[0])), Bool(info[2])));
}
Napi::Value Cumsum(Info info) { RET(at::cumsum(T(info[0]), I64(info[1]))); }
Napi::Value All(Info info) { RET(at::all(T(info[0]))); }
Napi::Value Any(Info info) { RET(at::any(T(info[0]))); }
Napi::Value Sort(Info info) {
  auto r = at::sort(T(info[0]), I64(info[1]), Bool(info[2]));
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
Napi::Value Topk(Info info) {
  auto r = at::topk(T(info[0]), I64(info[1]), I64(info[2]), Bool(info[3]), true);
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}

// Shape and indexing.
Napi::Value Reshape(Info info) { RET(at::reshape(T(info[0]), Ints(info[1]))); }
Napi::Value View(Info info) { RET(T(info[0]).view(Ints(info[1]))); }
Napi::Value Permute(Info info) { RET(T(info[0]).permute(Ints(info[1]))); }
Napi::Value Transpose(Info info) { RET(T(info[0]).transpose(I64(info[1]), I64(info[2]))); }
Napi::Value Squeeze(Info info) {
  if (Absent(info[1])) RET(T(info[0]).squeeze());
  RET(T(info[0]).squeeze(I64(info[1])));
}
Napi::Value Unsqueeze(Info info) { RET(T(info[0]).unsqueeze(I64(info[1]))); }
Napi::Value Expand(Info info) { RET(T(info[0]).expand(Ints(info[1]))); }
Napi::Value Flatten(Info info) { RET(T(info[0]).flatten(I64(info[1]), I64(info[2]))); }
Napi::Value Cat(Info info) { RET(at::cat(Ts(info[0]), I64(info[1]))); }
Napi::Value Stack(Info info) { RET(at::stack(Ts(info[0]), I64(info[1]))); }
Napi::Value Split(Info info) {
  if (info[1].IsArray()) return wrapList(info.Env(), at::split_with_sizes(T(info[0]), Ints(info[1]), I64(info[2])));
  return wrapList(info.Env(), at::split(T(info[0]), I64(info[1]), I64(info[2])));
}
Napi::Value Chunk(Info info) { return wrapList(info.Env(), at::chunk(T(info[0]), I64(info[1]), I64(info[2]))); }
Napi::Value Unbind(Info info) { return wrapList(info.Env(), at::unbind(T(info[0]), I64(info[1]))); }
Napi::Value Narrow(Info info) { RET(T(info[0]).narrow(I64(info[1]), I64(info[2]), I64(info[3]))); }
Napi::Value Slice(Info info) { RET(T(info[0]).slice(I64(info[1]), OInt(info[2]), OInt(info[3]), I64(info[4]))); }
Napi::Value Select(Info info) { RET(T(info[0]).select(I64(info[1]), I64(info[2]))); }
Napi::Value IndexSelect(Info info) { RET(at::index_select(T(info[0]), I64(info[1]), T(info[2]))); }
Napi::Value Gather(Info info) { RET(at::gather(T(info[0]), I64(info[1]), T(info[2]))); }
Napi::Value ScatterAdd(Info info) { RET(at::scatter_add(T(info[0]), I64(info[1]), T(info[2]), T(info[3]))); }
Napi::Value Flip(Info info) { RET(at::flip(T(info[0]), Ints(info[1]))); }
Napi::Value Roll(Info info) { RET(at::roll(T(info[0]), Ints(info[1]), Ints(info[2]))); }
Napi::Value Repeat(Info info) { RET(T(info[0]).repeat(Ints(info[1]))); }
Napi::Value MaskedFill(Info info) { RET(at::masked_fill(T(info[0]), T(info[1]), F64(info[2]))); }
Napi::Value OneHot(Info info) { RET(at::one_hot(T(info[0]), I64(info[1]))); }
Napi::Value Diagonal(Info info) { RET(at::diagonal(T(info[0]), I64(info[1]), I64(info[2]), I64(info[3]))); }
Napi::Value TrilK(Info info) { RET(at::tril(T(info[0]), I64(info[1]))); }
Napi::Value TriuK(Info info) { RET(at::triu(T(info[0]), I64(info[1]))); }
Napi::Value Qr(Info info) {
  auto r = at::linalg_qr(T(info[0]), "reduced");
  return wrapList(info.Env(), {std::get<0>(r), std::get<1>(r)});
}

// Autograd.
Napi::Value RequiresGrad(Info info) { return Napi::Boolean::New(info.Env(), T(info[0]).requires_grad()); }
Napi::Value SetRequiresGrad(Info info) {
  T(info[0]).set_requires_grad(Bool(info[1]));
  return info.Env().Undefined();
}
Napi::Value Grad(Info info) { return wrapMaybe(info.Env(), T(info[0]).grad()); }
Napi::Value HasGrad(Info info) { return Napi::Boolean::New(info.Env(), T(info[0]).grad().defined()); }
Napi::Value SetGrad(Info info) {
  at::Tensor t = T(info[0]);
  if (Absent(info[1]))
    t.mutable_grad().reset();
  else
    t.mutable_grad() = T(info[1]);
  return info.Env().Undefined();
}
Napi::Value Backward(Info info) {
  const at::Tensor& t = T(info[0]);
  c10::optional<at::Tensor> g = OT(info[1]);
  t.backward(g.has_value() ? *g : at::Tensor(), Bool(info[2]), false);
  return info.Env().Undefined();
}
Napi::Value AutogradGrad(Info info) {
  // grads of outputs w.r.t. inputs, without touching .grad (used by the gradient checker).
  auto outputs = Ts(info[0]);
  auto inputs = Ts(info[1]);
  std::vector<at::Tensor> gradOutputs;
  if (!Absent(info[2])) gradOutputs = Ts(info[2]);
  auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, c10::nullopt, Bool(info[3]), true);
  auto arr = Napi::Array::New(info.Env(), grads.size());
  for (size_t i = 0; i < grads.size(); i++) arr.Set(static_cast<uint32_t>(i), wrapMaybe(info.Env(), grads[i]));
  return arr;
}
Napi::Value IsLeaf(Info info) { return Napi::Boolean::New(info.Env(), T(info[0]).is_leaf()); }
Napi::Value RetainGrad(Info info) {
  T(info[0]).retain_grad();
  return info.Env().Undefined();
}
Napi::Value GradEnabled(Info info) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }
Napi::Value SetGradEnabled(Info info) {
  at::GradMode::set_enabled(Bool(info[0]));
  return info.Env().Undefined();
}

}  // namespace

void registerTensorOps(Napi::Env env, Napi::Object e) {
  def(env, e, "live", Live);
  def(env, e, "dispose", Dispose);
  def(env, e, "reportToGC", ReportToGC);
  def(env, e, "shape", Shape);
  def(env, e, "strides", Strides);
  def(env, e, "meta", Meta);
  def(env, e, "fromBytes", FromBytes);
  def(env, e, "toBytes", ToBytes);
  def(env, e, "item", Item);
  def(env, e, "zeros", Zeros);
  def(env, e, "ones", Ones);
  def(env, e, "empty", Empty);
  def(env, e, "full", Full);
  def(env, e, "arange", Arange);
  def(env, e, "linspace", Linspace);
  def(env, e, "eye", Eye);
  def(env, e, "rand", Rand);
  def(env, e, "randn", Randn);
  def(env, e, "randint", Randint);
  def(env, e, "randperm", Randperm);
  def(env, e, "bernoulli", Bernoulli);
  def(env, e, "normal_", Normal_);
  def(env, e, "uniform_", Uniform_);
  def(env, e, "multinomial", Multinomial);
  def(env, e, "newGenerator", NewGenerator);
  def(env, e, "manualSeed", ManualSeed);
  def(env, e, "unaryNames", UnaryNames);
  def(env, e, "binaryNames", BinaryNames);
  def(env, e, "inplaceNames", InplaceNames);
  def(env, e, "unary", UnaryOp);
  def(env, e, "binary", BinaryOp);
  def(env, e, "inplace", InplaceOp);
  def(env, e, "addScaled_", AddScaled_);
  def(env, e, "addcmul_", Addcmul_);
  def(env, e, "addcdiv_", Addcdiv_);
  def(env, e, "lerp_", Lerp_);
  def(env, e, "zero_", Zero_);
  def(env, e, "clamp_", Clamp_);
  def(env, e, "clamp", Clamp);
  def(env, e, "where", Where);
  def(env, e, "linear", Linear);
  def(env, e, "einsum", Einsum);
  def(env, e, "cast", Cast);
  def(env, e, "toDevice", ToDevice);
  def(env, e, "contiguous", Contiguous);
  def(env, e, "sum", Sum);
  def(env, e, "mean", Mean);
  def(env, e, "prod", Prod);
  def(env, e, "amax", Amax);
  def(env, e, "amin", Amin);
  def(env, e, "maxDim", MaxDim);
  def(env, e, "minDim", MinDim);
  def(env, e, "argmax", Argmax);
  def(env, e, "argmin", Argmin);
  def(env, e, "var", Var);
  def(env, e, "std", Std);
  def(env, e, "norm", Norm);
  def(env, e, "logsumexp", Logsumexp);
  def(env, e, "cumsum", Cumsum);
  def(env, e, "all", All);
  def(env, e, "any", Any);
  def(env, e, "sort", Sort);
  def(env, e, "topk", Topk);
  def(env, e, "reshape", Reshape);
  def(env, e, "view", View);
  def(env, e, "permute", Permute);
  def(env, e, "transpose", Transpose);
  def(env, e, "squeeze", Squeeze);
  def(env, e, "unsqueeze", Unsqueeze);
  def(env, e, "expand", Expand);
  def(env, e, "flatten", Flatten);
  def(env, e, "cat", Cat);
  def(env, e, "stack", Stack);
  def(env, e, "split", Split);
  def(env, e, "chunk", Chunk);
  def(env, e, "unbind", Unbind);
  def(env, e, "narrow", Narrow);
  def(env, e, "slice", Slice);
  def(env, e, "select", Select);
  def(env, e, "indexSelect", IndexSelect);
  def(env, e, "gather", Gather);
  def(env, e, "scatterAdd", ScatterAdd);
  def(env, e, "flip", Flip);
  def(env, e, "roll", Roll);
  def(env, e, "repeat", Repeat);
  def(env, e, "maskedFill", MaskedFill);
  def(env, e, "oneHot", OneHot);
  def(env, e, "diagonal", Diagonal);
  def(env, e, "trilK", TrilK);
  def(env, e, "triuK", TriuK);
  def(env, e, "qr", Qr);
  def(env, e, "requiresGrad", RequiresGrad);
  def(env, e, "setRequiresGrad", SetRequiresGrad);
  def(env, e, "grad", Grad);
  def(env, e, "hasGrad", HasGrad);
  def(env, e, "setGrad", SetGrad);
  def(env, e, "backward", Backward);
  def(env, e, "autogradGrad", AutogradGrad);
  def(env, e, "isLeaf", IsLeaf);
  def(env, e, "retainGrad", RetainGrad);
  def(env, e, "gradEnabled", GradEnabled);
  def(env, e, "setGradEnabled", SetGradEnabled);
}

}  // namespace mimo
