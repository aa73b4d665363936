// Argument conversion, handle management and error translation; the module's entry point.
#include "common.h"

#include <c10/core/ScalarType.h>

#include <cmath>

namespace mimo {

std::atomic<int64_t> g_live{0};

// Tells V8 about native memory. The C call, not Napi::MemoryManagement, whose failure is a C++
// exception: while a worker thread is being terminated N-API calls fail, and an exception thrown
// from a finalizer (or while converting one to JavaScript) would abort the whole process. The
// accounting only paces the garbage collector, so a failed call is ignored.
static void adjustExternalMemory(Napi::Env env, int64_t delta) {
  int64_t ignored = 0;
  napi_adjust_external_memory(env, delta, &ignored);
}

static void finalize(Napi::Env env, Holder* h) {
  if (h->t.defined()) {
    g_live--;
    if (h->bytes) adjustExternalMemory(env, -h->bytes);
  }
  delete h;
}

// Bytes of the tensor's storage if this handle is its only owner. A view shares its base's storage,
// and an op that returns its input unchanged (contiguous() of a contiguous tensor) shares the very
// tensor: the base's handle already accounts for both. (A tensor or storage that autograd also
// holds goes unreported: an undercount, which only paces the safety net more slowly.)
static int64_t storageBytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage() || t.use_count() != 1) return 0;
  const c10::Storage& s = t.storage();
  if (s.use_count() != 1) return 0;
  return static_cast<int64_t>(s.nbytes());
}

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  g_live++;
  return Napi::External<Holder>::New(env, new Holder{std::move(t), 0}, finalize);
}

void reportToGC(Napi::Env env, Holder* h) {
  if (h->bytes || !h->t.defined()) return;
  h->bytes = storageBytes(h->t);
  if (h->bytes) adjustExternalMemory(env, h->bytes);
}

void release(Napi::Env env, Holder* h) {
  if (h->t.defined()) {
    h->t.reset();
    g_live--;
    if (h->bytes) adjustExternalMemory(env, -h->bytes);
  }
}

Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto arr = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); i++) arr.Set(static_cast<uint32_t>(i), wrap(env, ts[i]));
  return arr;
}

Napi::Value wrapMaybe(Napi::Env env, const at::Tensor& t) {
  if (!t.defined()) return env.Undefined();
  return wrap(env, t);
}

bool Absent(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

const at::Tensor& T(const Napi::Value& v) {
  if (!v.IsExternal()) throw Napi::TypeError::New(v.Env(), "expected a tensor handle");
  Holder* h = v.As<Napi::External<Holder>>().Data();
  if (!h->t.defined()) throw Napi::Error::New(v.Env(), "tensor was used after dispose()");
  return h->t;
}

c10::optional<at::Tensor> OT(const Napi::Value& v) {
  if (Absent(v)) return c10::nullopt;
  return T(v);
}

std::vector<at::Tensor> Ts(const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "expected an array of tensors");
  auto a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(T(a.Get(i)));
  return out;
}

std::vector<int64_t> Ints(const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "expected an array of integers");
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = I64(a.Get(i));
  return out;
}

int64_t I64(const Napi::Value& v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "expected an integer");
  return v.As<Napi::Number>().Int64Value();
}

double F64(const Napi::Value& v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "expected a number");
  return v.As<Napi::Number>().DoubleValue();
}

bool Bool(const Napi::Value& v) {
  if (!v.IsBoolean()) throw Napi::TypeError::New(v.Env(), "expected a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string Str(const Napi::Value& v) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), "expected a string");
  return v.As<Napi::String>().Utf8Value();
}

at::ScalarType DType(const Napi::Value& v) {
  int64_t code = I64(v);
  if (code < 0 || code >= static_cast<int64_t>(at::ScalarType::NumOptions))
    throw Napi::RangeError::New(v.Env(), "unknown dtype code " + std::to_string(code));
  return static_cast<at::ScalarType>(code);
}

at::Device Dev(const Napi::Value& v) {
  if (Absent(v)) return at::Device(at::kCPU);
  return at::Device(Str(v));
}

at::TensorOptions Opts(const Napi::Value& dtype, const Napi::Value& device) {
  return at::TensorOptions().dtype(DType(dtype)).device(Dev(device));
}

at::Tensor TOrScalar(const Napi::Value& v) {
  if (v.IsNumber() || v.IsBoolean()) {
    at::Tensor t;
    if (v.IsBoolean()) {
      t = at::scalar_tensor(v.As<Napi::Boolean>().Value(), at::TensorOptions().dtype(at::kBool));
    } else {
      // An integral JS number behaves like a Python int (int tensors stay int), any other like a float.
      double d = v.As<Napi::Number>().DoubleValue();
      bool integral = std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.007199254740992e15;
      t = integral ? at::scalar_tensor(static_cast<int64_t>(d), at::TensorOptions().dtype(at::kLong))
                   : at::scalar_tensor(d, at::TensorOptions().dtype(at::kDouble));
    }
    t.unsafeGetTensorImpl()->set_wrapped_number(true);
    return t;
  }
  return T(v);
}

c10::optional<at::Generator> Gen(const Napi::Value& v) {
  if (Absent(v)) return c10::nullopt;
  if (!v.IsExternal()) throw Napi::TypeError::New(v.Env(), "expected a generator handle");
  return *v.As<Napi::External<at::Generator>>().Data();
}

void def(Napi::Env env, Napi::Object exports, const char* name, Fn f) {
  auto cb = [](const Napi::CallbackInfo& info) -> Napi::Value {
    Fn fn = reinterpret_cast<Fn>(info.Data());
    try {
      return fn(info);
    } catch (const Napi::Error&) {
      throw;
    } catch (const c10::Error& e) {
      throw Napi::Error::New(info.Env(), e.what_without_backtrace());
    } catch (const std::exception& e) {
      throw Napi::Error::New(info.Env(), e.what());
    } catch (...) {
      throw Napi::Error::New(info.Env(), "unknown native error");
    }
  };
  exports.Set(name, Napi::Function::New(env, cb, name, reinterpret_cast<void*>(f)));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  registerTensorOps(env, exports);
  registerNnOps(env, exports);
  registerRuntime(env, exports);
  registerBench(env, exports);
  return exports;
}

}  // namespace mimo

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return mimo::Init(env, exports); }
NODE_API_MODULE(mimo_native, InitModule)
