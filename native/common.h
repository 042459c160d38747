// Shared pieces of the clinsum addon: tensor handles, argument readers and the one error choke
// point. Every exported function is an `OpFn` registered with `defineOp`; `dispatch` runs it inside
// one try/catch that turns libtorch (c10) and C++ exceptions into a JS `TorchError` naming the op.
// The addon holds no logic beyond calling libtorch: shapes, dtypes and defaults live in TypeScript.
#pragma once

#include <napi.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/version.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#define CLINSUM_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace clinsum {

// Tensors live in a slot table; JS holds a handle number = generation * 2^24 + slot. Freeing a
// slot bumps its generation, so a stale handle (a disposed tensor) is recognised, never reused.
// Handles are plain numbers because a JS external with a finalizer costs more than a tiny op.
constexpr double kSlotSpan = 16777216.0;  // 2^24 slots at most

// A CPU random generator owned by JS (seeded sampling and initialisation).
struct GeneratorBox {
  at::Generator gen;
};

// A bad argument from JS (wrong type, disposed tensor, out-of-range integer).
class ArgError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

int64_t liveTensorCount();
Napi::Value wrapTensor(Napi::Env env, at::Tensor t);
Napi::Value wrapTensors(Napi::Env env, const std::vector<at::Tensor>& ts);
Napi::Value wrapGenerator(Napi::Env env, at::Generator g);
// Frees the tensor of a handle (idempotent: false when it was already free or never existed).
bool freeTensor(double handle);

// Reads the JS arguments of one call, with checks that turn every bad value into an ArgError.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* op) : info_(info), env(info.Env()), op(op) {}

  size_t length() const { return info_.Length(); }
  bool isNullish(size_t i) const;

  at::Tensor& t(size_t i) const;
  c10::optional<at::Tensor> optT(size_t i) const;
  std::vector<at::Tensor> tensors(size_t i) const;
  double f64(size_t i) const;
  c10::optional<double> optF64(size_t i) const;
  int64_t i64(size_t i) const;
  c10::optional<int64_t> optI64(size_t i) const;
  bool b(size_t i) const;
  std::string str(size_t i) const;
  std::vector<int64_t> ints(size_t i) const;
  c10::optional<std::vector<int64_t>> optInts(size_t i) const;
  at::Scalar scalar(size_t i) const;
  c10::optional<at::Scalar> optScalar(size_t i) const;
  at::ScalarType dtype(size_t i) const;
  c10::optional<at::ScalarType> optDtype(size_t i) const;
  at::Device device(size_t i) const;
  c10::optional<at::Generator> optGen(size_t i) const;
  Napi::Value raw(size_t i) const { return info_[i]; }

  Napi::Value out(at::Tensor t) const { return wrapTensor(env, std::move(t)); }
  Napi::Value out(const std::tuple<at::Tensor, at::Tensor>& t) const {
    return wrapTensors(env, {std::get<0>(t), std::get<1>(t)});
  }
  Napi::Value outs(const std::vector<at::Tensor>& ts) const { return wrapTensors(env, ts); }
  Napi::Value num(double v) const { return Napi::Number::New(env, v); }
  Napi::Value boolean(bool v) const { return Napi::Boolean::New(env, v); }
  Napi::Value string(const std::string& s) const { return Napi::String::New(env, s); }
  Napi::Value undefined() const { return env.Undefined(); }

 private:
  [[noreturn]] void bad(size_t i, const std::string& what) const;
  const Napi::CallbackInfo& info_;

 public:
  Napi::Env env;
  const char* op;
};

using OpFn = Napi::Value (*)(Args&);
void defineOp(Napi::Env env, Napi::Object exports, const char* name, OpFn fn);

// Registration of each translation unit's functions.
void registerTensorOps(Napi::Env env, Napi::Object exports);
void registerNnOps(Napi::Env env, Napi::Object exports);
void registerRuntime(Napi::Env env, Napi::Object exports);

}  // namespace clinsum

// OP("name") { ...body using `a`... });
#define OP(name) ::clinsum::defineOp(env, exports, name, [](::clinsum::Args & a) -> Napi::Value
