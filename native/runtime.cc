// Process-wide settings and facts: threads, seeds, random states, CUDA devices and memory,
// autocast, the profiler, and what the addon was built against (for `clinsum doctor`).
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/autocast_mode.h>
#include <torch/cuda.h>
#include <torch/csrc/autograd/profiler_kineto.h>

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#if defined(CLINSUM_WITH_CUDA) && !defined(CLINSUM_NO_CUDA_STATS) && CLINSUM_TORCH_AT_LEAST(2, 9)
#if __has_include(<c10/core/CachingDeviceAllocator.h>)
#include <c10/core/CachingDeviceAllocator.h>
#define CLINSUM_CUDA_STATS 1
#endif
#endif

#define CLINSUM_STR2(x) #x
#define CLINSUM_STR(x) CLINSUM_STR2(x)

namespace clinsum {
namespace {

at::DeviceType autocastDevice(const std::string& s) {
  if (s == "cuda") return at::kCUDA;
  if (s == "cpu") return at::kCPU;
  throw ArgError("autocast device type must be \"cpu\" or \"cuda\", got \"" + s + "\"");
}

bool autocastEnabled(at::DeviceType d) {
#if CLINSUM_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(d);
#else
  return d == at::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

at::ScalarType autocastDtype(at::DeviceType d) {
#if CLINSUM_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(d);
#else
  return d == at::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void setAutocast(at::DeviceType d, bool enabled, at::ScalarType dtype) {
#if CLINSUM_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(d, enabled);
  at::autocast::set_autocast_dtype(d, dtype);
#else
  if (d == at::kCUDA) {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
#endif
}

// Whether profilerStart has run without its profilerStop (libkineto allows one session at a time).
bool profilerRunning = false;

// Event times: libtorch 2.x reports nanoseconds (startNs, durationNs), 1.13 microseconds.
template <typename E>
auto startNsOf(const E& e, int) -> decltype(e.startNs()) {
  return e.startNs();
}
template <typename E>
uint64_t startNsOf(const E& e, long) {
  return e.startUs() * 1000;
}
template <typename E>
auto durationNsOf(const E& e, int) -> decltype(e.durationNs()) {
  return e.durationNs();
}
template <typename E>
uint64_t durationNsOf(const E& e, long) {
  return e.durationUs() * 1000;
}

// The CUDA driver API, loaded at run time so that device facts need no CUDA headers.
struct CudaDriver {
  using Init = int (*)(unsigned);
  using Count = int (*)(int*);
  using Get = int (*)(int*, int);
  using Name = int (*)(char*, int, int);
  using TotalMem = int (*)(size_t*, int);
  using Attr = int (*)(int*, int, int);
  using Version = int (*)(int*);
  Init init = nullptr;
  Count count = nullptr;
  Get get = nullptr;
  Name name = nullptr;
  TotalMem totalMem = nullptr;
  Attr attr = nullptr;
  Version version = nullptr;
  bool ok = false;

  CudaDriver() {
    void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) return;
    init = reinterpret_cast<Init>(dlsym(h, "cuInit"));
    count = reinterpret_cast<Count>(dlsym(h, "cuDeviceGetCount"));
    get = reinterpret_cast<Get>(dlsym(h, "cuDeviceGet"));
    name = reinterpret_cast<Name>(dlsym(h, "cuDeviceGetName"));
    totalMem = reinterpret_cast<TotalMem>(dlsym(h, "cuDeviceTotalMem_v2"));
    attr = reinterpret_cast<Attr>(dlsym(h, "cuDeviceGetAttribute"));
    version = reinterpret_cast<Version>(dlsym(h, "cuDriverGetVersion"));
    ok = init && count && get && name && totalMem && attr && version && init(0) == 0;
  }
};

// A CUDA device index from JS, checked against the devices present: libtorch's allocator indexes
// its per-device tables without a bound check on some versions, so a bad index must stop here.
c10::DeviceIndex cudaDeviceIndex(int64_t idx, const char* op) {
  const auto n = static_cast<int64_t>(torch::cuda::device_count());
  if (idx < 0 || idx >= n) {
    throw ArgError(std::string(op) + ": no CUDA device " + std::to_string(idx) + " (" + std::to_string(n) + " present)");
  }
  return static_cast<c10::DeviceIndex>(idx);
}

}  // namespace

void registerRuntime(Napi::Env env, Napi::Object exports) {
  OP("setNumThreads") {
    int64_t n = a.i64(0);
    if (n < 1 || n > 4096) throw ArgError("thread count must be between 1 and 4096");
    at::set_num_threads(static_cast<int>(n));
    return a.undefined();
  });
  OP("getNumThreads") { return a.num(at::get_num_threads()); });
  OP("manualSeed") {
    double seed = a.f64(0);
    if (!(seed >= 0) || std::trunc(seed) != seed || seed > 9007199254740991.0) throw ArgError("seed must be a non-negative integer");
    at::manual_seed(static_cast<uint64_t>(seed));
    return a.undefined();
  });
  OP("rngState") {
    at::Device d = a.device(0);
    auto gen = at::globalContext().defaultGenerator(d);
    std::lock_guard<std::mutex> lock(gen.mutex());
    return a.out(gen.get_state());
  });
  OP("setRngState") {
    at::Device d = a.device(0);
    auto gen = at::globalContext().defaultGenerator(d);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(a.t(1));
    return a.undefined();
  });
  OP("setDeterministic") {
    at::globalContext().setDeterministicAlgorithms(a.b(0), a.b(1));
    return a.undefined();
  });
  OP("setMatmulPrecision") {
    std::string p = a.str(0);
    if (p != "highest" && p != "high" && p != "medium") throw ArgError("matmul precision must be highest, high or medium");
    at::globalContext().setFloat32MatmulPrecision(p);
    return a.undefined();
  });

  // ---- CUDA
  OP("cudaAvailable") { return a.boolean(torch::cuda::is_available()); });
  OP("cudaDeviceCount") { return a.num(static_cast<double>(torch::cuda::device_count())); });
  OP("cudaSynchronize") {
    torch::cuda::synchronize(cudaDeviceIndex(a.i64(0), "cudaSynchronize"));
    return a.undefined();
  });
  OP("cudaDevices") {
    static CudaDriver driver;
    Napi::Array out = Napi::Array::New(a.env);
    if (!driver.ok) return out;
    int n = 0;
    if (driver.count(&n) != 0) return out;
    int drv = 0;
    driver.version(&drv);
    for (int i = 0; i < n; i++) {
      int dev = 0;
      if (driver.get(&dev, i) != 0) continue;
      char name[256] = {0};
      size_t mem = 0;
      int major = 0, minor = 0;
      driver.name(name, sizeof(name) - 1, dev);
      driver.totalMem(&mem, dev);
      driver.attr(&major, 75, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
      driver.attr(&minor, 76, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR
      Napi::Object o = Napi::Object::New(a.env);
      o.Set("index", i);
      o.Set("name", std::string(name));
      o.Set("totalMemory", static_cast<double>(mem));
      o.Set("capability", std::to_string(major) + "." + std::to_string(minor));
      o.Set("driverVersion", drv);
      out.Set(static_cast<uint32_t>(i), o);
    }
    return out;
  });
  OP("cudaMemoryStats") {
    const c10::DeviceIndex idx = cudaDeviceIndex(a.i64(0), "cudaMemoryStats");
#ifdef CLINSUM_CUDA_STATS
    auto* alloc = dynamic_cast<c10::DeviceAllocator*>(c10::GetAllocator(c10::DeviceType::CUDA));
    if (alloc == nullptr) throw ArgError("the CUDA allocator does not report statistics");
    auto stats = alloc->getDeviceStats(idx);
    Napi::Object o = Napi::Object::New(a.env);
    o.Set("allocated", static_cast<double>(stats.allocated_bytes[0].current));
    o.Set("reserved", static_cast<double>(stats.reserved_bytes[0].current));
    o.Set("peakAllocated", static_cast<double>(stats.allocated_bytes[0].peak));
    o.Set("peakReserved", static_cast<double>(stats.reserved_bytes[0].peak));
    return o;
#else
    (void)idx;
    return a.undefined();
#endif
  });
  OP("cudaResetPeak") {
    const c10::DeviceIndex idx = cudaDeviceIndex(a.i64(0), "cudaResetPeak");
#ifdef CLINSUM_CUDA_STATS
    auto* alloc = dynamic_cast<c10::DeviceAllocator*>(c10::GetAllocator(c10::DeviceType::CUDA));
    if (alloc != nullptr) alloc->resetPeakStats(idx);
#else
    (void)idx;
#endif
    return a.undefined();
  });
  OP("cudaEmptyCache") {
#ifdef CLINSUM_CUDA_STATS
    auto* alloc = dynamic_cast<c10::DeviceAllocator*>(c10::GetAllocator(c10::DeviceType::CUDA));
    if (alloc != nullptr) alloc->emptyCache();
#endif
    return a.undefined();
  });

  // ---- profiler (libkineto, what torch.profiler runs): operators on the CPU and, with `cuda`,
  // every CUDA kernel and copy with its device time; the result is a Chrome trace file.
  OP("profilerStart") {
    const bool cuda = a.b(0);
    if (profilerRunning) throw ArgError("profilerStart: the profiler is already running (profilerStop first)");
    if (torch::profiler::impl::profilerEnabled()) throw ArgError("profilerStart: another libtorch profiler is enabled in this thread");
    namespace impl = torch::profiler::impl;
    std::set<impl::ActivityType> activities{impl::ActivityType::CPU};
    if (cuda) {
      if (!torch::cuda::is_available()) throw ArgError("profilerStart: CUDA activities asked for, but CUDA is not available");
      activities.insert(impl::ActivityType::CUDA);
    }
    // No input shapes: torch.profiler records none by default, and the two sides are compared.
    const impl::ProfilerConfig config(impl::ProfilerState::KINETO, /*report_input_shapes=*/false);
    try {
      torch::autograd::profiler::prepareProfiler(config, activities);
      torch::autograd::profiler::enableProfiler(config, activities);
    } catch (...) {
      // enableProfiler installs its callbacks before starting the trace: undo a half start.
      if (torch::profiler::impl::profilerEnabled()) {
        try {
          torch::autograd::profiler::disableProfiler();
        } catch (...) {
        }
      }
      throw;
    }
    profilerRunning = true;
    return a.undefined();
  });
  OP("profilerRunning") { return a.boolean(profilerRunning); });
  // Returns {events: [{name, device, activity, thread, startNs, durNs}], startNs}: times in ns
  // from the first event (a double holds them exactly; epoch nanoseconds it would round), and
  // the first event's epoch time as a decimal string. JS writes the trace: libtorch builds without
  // libkineto, like Debian's, cannot save one themselves.
  OP("profilerStop") {
    if (!profilerRunning) throw ArgError("profilerStop: the profiler is not running (profilerStart first)");
    profilerRunning = false;
    if (!torch::profiler::impl::profilerEnabled()) throw ArgError("profilerStop: libtorch's profiler was stopped elsewhere");
    auto result = torch::autograd::profiler::disableProfiler();
    const auto& events = result->events();
    uint64_t t0 = std::numeric_limits<uint64_t>::max();
    for (const auto& e : events) t0 = std::min<uint64_t>(t0, startNsOf(e, 0));
    if (events.empty()) t0 = 0;
    Napi::Array list = Napi::Array::New(a.env, events.size());
    uint32_t i = 0;
    for (const auto& e : events) {
      const bool onCuda = e.deviceType() == c10::DeviceType::CUDA;
      Napi::Object o = Napi::Object::New(a.env);
      o.Set("name", e.name());
      o.Set("device", onCuda ? "cuda" : "cpu");
      o.Set("activity", static_cast<int>(e.activityType()));
      // The host thread of an operator, the stream (resource) of a device event.
      o.Set("thread", static_cast<double>(onCuda ? static_cast<uint64_t>(e.deviceResourceId()) : e.startThreadId()));
      o.Set("startNs", static_cast<double>(startNsOf(e, 0) - t0));
      o.Set("durNs", static_cast<double>(durationNsOf(e, 0)));
      list.Set(i++, o);
    }
    Napi::Object out = Napi::Object::New(a.env);
    out.Set("events", list);
    out.Set("startNs", std::to_string(t0));
    return out;
  });

  // ---- autocast: state get/set; the scope itself lives in TypeScript
  OP("autocastState") {
    at::DeviceType d = autocastDevice(a.str(0));
    Napi::Array out = Napi::Array::New(a.env, 2);
    out.Set(0u, Napi::Boolean::New(a.env, autocastEnabled(d)));
    out.Set(1u, Napi::Number::New(a.env, static_cast<int>(autocastDtype(d))));
    return out;
  });
  OP("autocastSet") {
    at::DeviceType d = autocastDevice(a.str(0));
    bool enabled = a.b(1);
    at::ScalarType dtype = a.dtype(2);
    if (dtype != at::kBFloat16 && dtype != at::kHalf && dtype != at::kFloat) throw ArgError("autocast dtype must be bfloat16, float16 or float32");
    setAutocast(d, enabled, dtype);
    return a.undefined();
  });
  OP("autocastNesting") {
    int64_t delta = a.i64(0);
    if (delta > 0) return a.num(at::autocast::increment_nesting());
    int n = at::autocast::decrement_nesting();
    if (n == 0) at::autocast::clear_cache();
    return a.num(n);
  });

  OP("buildInfo") {
    Napi::Object o = Napi::Object::New(a.env);
    o.Set("torchVersion", TORCH_VERSION);
    o.Set("method", CLINSUM_STR(CLINSUM_TORCH_METHOD));
#ifdef CLINSUM_WITH_CUDA
    o.Set("cudaCompiled", true);
#else
    o.Set("cudaCompiled", false);
#endif
#ifdef CLINSUM_CUDA_STATS
    o.Set("cudaMemoryStats", true);
#else
    o.Set("cudaMemoryStats", false);
#endif
    o.Set("cxx11Abi", _GLIBCXX_USE_CXX11_ABI);
    o.Set("compiler", __VERSION__);
    o.Set("cplusplus", static_cast<double>(__cplusplus));
    o.Set("napiVersion", NAPI_VERSION);
    o.Set("config", at::show_config());
    o.Set("parallel", at::get_parallel_info());
    return o;
  });
}

}  // namespace clinsum
