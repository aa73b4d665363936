// Runtime facts and settings: library versions, threads, the BLAS actually loaded, devices.
#include <dlfcn.h>
#include <link.h>

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "common.h"

namespace mimo {
namespace {

using Info = const Napi::CallbackInfo&;

// The loaded shared object that provides BLAS (libtorch reaches it through libblas.so.3, which
// Debian's alternatives point at OpenBLAS or at the slow reference implementation).
std::string findBlasPath() {
  std::string found;
  dl_iterate_phdr(
      [](dl_phdr_info* i, size_t, void* data) -> int {
        std::string name = i->dlpi_name ? i->dlpi_name : "";
        auto& out = *static_cast<std::string*>(data);
        if (name.find("openblas") != std::string::npos || name.find("libblas") != std::string::npos ||
            name.find("mkl_rt") != std::string::npos) {
          if (out.empty() || name.find("openblas") != std::string::npos) out = name;
        }
        return 0;
      },
      &found);
  return found;
}

void* blasSymbol(const char* sym) {
  std::string path = findBlasPath();
  if (path.empty()) return nullptr;
  void* h = dlopen(path.c_str(), RTLD_NOLOAD | RTLD_LAZY);
  if (!h) return nullptr;
  void* s = dlsym(h, sym);
  dlclose(h);
  return s;
}

Napi::Value Version(Info info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("torch", std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                     std::to_string(TORCH_VERSION_PATCH));
  o.Set("cxx11Abi", static_cast<bool>(_GLIBCXX_USE_CXX11_ABI));
  return o;
}
Napi::Value ShowConfig(Info info) { return Napi::String::New(info.Env(), at::show_config()); }
Napi::Value ParallelInfo(Info info) { return Napi::String::New(info.Env(), at::get_parallel_info()); }

Napi::Value SetNumThreads(Info info) {
  at::set_num_threads(static_cast<int>(I64(info[0])));
  return info.Env().Undefined();
}
Napi::Value NumThreads(Info info) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

Napi::Value BlasInfo(Info info) {
  auto o = Napi::Object::New(info.Env());
  std::string path = findBlasPath();
  o.Set("path", path);
  using GetConfig = char* (*)();
  using GetThreads = int (*)();
  auto cfg = reinterpret_cast<GetConfig>(blasSymbol("openblas_get_config"));
  auto thr = reinterpret_cast<GetThreads>(blasSymbol("openblas_get_num_threads"));
  std::string kind = cfg ? "openblas" : (path.find("mkl") != std::string::npos ? "mkl" : (path.empty() ? "none" : "reference"));
  o.Set("kind", kind);
  if (cfg) o.Set("config", std::string(cfg()));
  if (thr) o.Set("threads", thr());
  return o;
}
Napi::Value SetBlasThreads(Info info) {
  using SetThreads = void (*)(int);
  auto f = reinterpret_cast<SetThreads>(blasSymbol("openblas_set_num_threads"));
  if (f) f(static_cast<int>(I64(info[0])));
  return Napi::Boolean::New(info.Env(), f != nullptr);
}

Napi::Value CudaAvailable(Info info) { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); }
Napi::Value CudaDeviceCount(Info info) { return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count())); }

// Waits for the work queued on every GPU (kernels run asynchronously: a timer must wait for them).
// Does nothing when libtorch has no CUDA.
Napi::Value Synchronize(Info info) {
  if (torch::cuda::is_available()) torch::cuda::synchronize();
  return info.Env().Undefined();
}

}  // namespace

void registerRuntime(Napi::Env env, Napi::Object e) {
  def(env, e, "version", Version);
  def(env, e, "showConfig", ShowConfig);
  def(env, e, "parallelInfo", ParallelInfo);
  def(env, e, "setNumThreads", SetNumThreads);
  def(env, e, "numThreads", NumThreads);
  def(env, e, "blasInfo", BlasInfo);
  def(env, e, "setBlasThreads", SetBlasThreads);
  def(env, e, "cudaAvailable", CudaAvailable);
  def(env, e, "cudaDeviceCount", CudaDeviceCount);
  def(env, e, "synchronize", Synchronize);
}

}  // namespace mimo
