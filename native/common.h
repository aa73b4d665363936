// Shared helpers of the N-API binding: tensor handles, argument conversion, error translation.
#pragma once
#include <ATen/ATen.h>
#include <napi.h>

#include <atomic>
#include <string>
#include <vector>

namespace mimo {

// A JavaScript tensor handle is an External pointing at a Holder. dispose() resets the tensor
// (freeing its storage at once); the finalizer only deletes the small holder.
struct Holder {
  at::Tensor t;
  int64_t bytes;  // reported to V8 as external memory (see reportToGC); 0 until then
};

extern std::atomic<int64_t> g_live;  // holders whose tensor is still defined

Napi::Value wrap(Napi::Env env, at::Tensor t);
void release(Napi::Env env, Holder* h);  // dispose(): frees the tensor now
// Reports the tensor's storage to V8 as external memory, once, so that the garbage collector (the
// safety net for tensors no scope will free) runs when native memory grows. Called from JavaScript
// only for tensors outside every scope: a tensor in a scope is reachable from it, so a collection
// could not free it, and reporting it would only start collections that find nothing.
void reportToGC(Napi::Env env, Holder* h);
Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts);
Napi::Value wrapMaybe(Napi::Env env, const at::Tensor& t);  // undefined tensor -> undefined
const at::Tensor& T(const Napi::Value& v);
c10::optional<at::Tensor> OT(const Napi::Value& v);
std::vector<at::Tensor> Ts(const Napi::Value& v);
std::vector<int64_t> Ints(const Napi::Value& v);
int64_t I64(const Napi::Value& v);
double F64(const Napi::Value& v);
bool Bool(const Napi::Value& v);
std::string Str(const Napi::Value& v);
at::ScalarType DType(const Napi::Value& v);
at::Device Dev(const Napi::Value& v);
at::TensorOptions Opts(const Napi::Value& dtype, const Napi::Value& device);
// A number (or boolean) as a "wrapped number" tensor, so it takes part in type promotion the way a
// Python scalar does; a tensor handle as itself.
at::Tensor TOrScalar(const Napi::Value& v);
c10::optional<at::Generator> Gen(const Napi::Value& v);
bool Absent(const Napi::Value& v);

using Fn = Napi::Value (*)(const Napi::CallbackInfo&);
// Exports f under name, translating every C++ exception (c10::Error included) into a JS Error.
void def(Napi::Env env, Napi::Object exports, const char* name, Fn f);

void registerTensorOps(Napi::Env env, Napi::Object exports);
void registerNnOps(Napi::Env env, Napi::Object exports);
void registerRuntime(Napi::Env env, Napi::Object exports);
void registerBench(Napi::Env env, Napi::Object exports);

}  // namespace mimo

#define ARG(i) info[i]
#define RET(expr) return ::mimo::wrap(info.Env(), (expr))
