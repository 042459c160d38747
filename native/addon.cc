// Module entry, tensor handles, argument checks, the error choke point, and the memory,
// creation, readback and autograd functions.
#include "common.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/function.h>

#include <cmath>
#include <cstring>
#include <memory>

namespace clinsum {
namespace {

// A type tag lets every call prove that a JS external really is one of our generators.
const napi_type_tag kGeneratorTag = {0x1d7e52c9a04b3f88ULL, 0x93a6e0f2c5b8d741ULL};

struct Slot {
  at::Tensor tensor;
  uint32_t generation = 1;
  bool alive = false;
};

// The tensor table of one JS thread. Each Node environment (the main thread, every worker)
// calls the addon from its own thread, so a thread-local table gives each its own handles and
// live count; one process-wide table corrupted the heap as soon as two workers used tensors.
thread_local std::vector<Slot> g_slots;
thread_local std::vector<uint32_t> g_freeSlots;
thread_local int64_t g_live = 0;

enum class Lookup { ok, notHandle, disposed };

Lookup lookup(double h, Slot** out) {
  if (!(h >= kSlotSpan) || std::trunc(h) != h || h > 9007199254740991.0) return Lookup::notHandle;
  const double gen = std::floor(h / kSlotSpan);
  const auto idx = static_cast<size_t>(h - gen * kSlotSpan);
  if (idx >= g_slots.size()) return Lookup::notHandle;
  Slot& s = g_slots[idx];
  if (static_cast<double>(s.generation) < gen) return Lookup::notHandle;
  if (!s.alive || static_cast<double>(s.generation) != gen) return Lookup::disposed;
  *out = &s;
  return Lookup::ok;
}

constexpr double kMaxSafeInteger = 9007199254740991.0;

struct AddonData {
  Napi::FunctionReference errorCtor;
  std::vector<std::unique_ptr<c10::InferenceMode>> inferenceModes;
};

struct OpDef {
  const char* name;
  OpFn fn;
};

std::string cleanMessage(std::string msg) {
  // Newer libtorch appends "Exception raised from ..." context; keep the message itself.
  auto cut = msg.find("\nException raised from");
  if (cut != std::string::npos) msg.resize(cut);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

Napi::Error torchError(Napi::Env env, const char* op, const std::string& message, const char* kind) {
  auto* data = env.GetInstanceData<AddonData>();
  std::string msg = cleanMessage(message);
  if (data != nullptr && !data->errorCtor.IsEmpty()) {
    Napi::Object err = data->errorCtor.New({Napi::String::New(env, msg), Napi::String::New(env, op), Napi::String::New(env, kind)});
    return Napi::Error(env, err);
  }
  return Napi::Error::New(env, std::string(op) + ": " + msg);
}

Napi::Value dispatch(const Napi::CallbackInfo& info) {
  const auto* def = static_cast<const OpDef*>(info.Data());
  Napi::Env env = info.Env();
  try {
    Args a(info, def->name);
    return def->fn(a);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::OutOfMemoryError& e) {
    throw torchError(env, def->name, e.what_without_backtrace(), "oom");
  } catch (const c10::Error& e) {
    throw torchError(env, def->name, e.what_without_backtrace(), "torch");
  } catch (const ArgError& e) {
    throw torchError(env, def->name, e.what(), "argument");
  } catch (const std::bad_alloc&) {
    throw torchError(env, def->name, "out of memory (the allocation failed)", "oom");
  } catch (const std::exception& e) {
    throw torchError(env, def->name, e.what(), "torch");
  }
}

const char* const kOrdinals[] = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"};

std::string argName(size_t i) {
  if (i < sizeof(kOrdinals) / sizeof(kOrdinals[0])) return std::string(kOrdinals[i]) + " argument";
  return "argument " + std::to_string(i + 1);
}

bool allowedDtype(int64_t code) {
  switch (static_cast<at::ScalarType>(code)) {
    case at::kFloat:
    case at::kDouble:
    case at::kBFloat16:
    case at::kHalf:
    case at::kLong:
    case at::kInt:
    case at::kBool:
    case at::kByte:
      return true;
    default:
      return false;
  }
}

}  // namespace

int64_t liveTensorCount() { return g_live; }

Napi::Value wrapTensor(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Undefined();
  uint32_t idx;
  if (!g_freeSlots.empty()) {
    idx = g_freeSlots.back();
    g_freeSlots.pop_back();
  } else {
    if (static_cast<double>(g_slots.size()) >= kSlotSpan) throw ArgError("too many live tensors (16M); dispose some");
    idx = static_cast<uint32_t>(g_slots.size());
    g_slots.emplace_back();
  }
  Slot& s = g_slots[idx];
  s.tensor = std::move(t);
  s.alive = true;
  g_live++;
  return Napi::Number::New(env, static_cast<double>(s.generation) * kSlotSpan + idx);
}

Napi::Value wrapTensors(Napi::Env env, const std::vector<at::Tensor>& ts) {
  Napi::Array arr = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); i++) arr.Set(static_cast<uint32_t>(i), wrapTensor(env, ts[i]));
  return arr;
}

Napi::Value wrapGenerator(Napi::Env env, at::Generator g) {
  auto* box = new GeneratorBox{std::move(g)};
  auto ext = Napi::External<GeneratorBox>::New(env, box, [](Napi::Env, GeneratorBox* b) { delete b; });
  ext.TypeTag(&kGeneratorTag);
  return ext;
}

bool freeTensor(double h) {
  Slot* s = nullptr;
  if (lookup(h, &s) != Lookup::ok) return false;
  s->alive = false;
  s->generation++;
  g_live--;
  // Keep the slot out of reuse once its generation would overflow a handle.
  if (static_cast<double>(s->generation) * kSlotSpan < 9007199254740991.0 - kSlotSpan) {
    g_freeSlots.push_back(static_cast<uint32_t>(s - g_slots.data()));
  }
  s->tensor.reset();  // last: may free memory
  return true;
}

void defineOp(Napi::Env env, Napi::Object exports, const char* name, OpFn fn) {
  // One OpDef per name for the life of the process (the addon is never unloaded).
  auto* def = new OpDef{name, fn};
  exports.Set(name, Napi::Function::New(env, dispatch, name, def));
}

// ---------------------------------------------------------------------------------------------
// Args

void Args::bad(size_t i, const std::string& what) const { throw ArgError(argName(i) + " " + what); }

bool Args::isNullish(size_t i) const {
  if (i >= info_.Length()) return true;
  Napi::Value v = info_[i];
  return v.IsUndefined() || v.IsNull();
}

at::Tensor& Args::t(size_t i) const {
  double h = 0;
  if (napi_get_value_double(env, info_[i], &h) != napi_ok) bad(i, "must be a tensor handle");
  Slot* s = nullptr;
  switch (lookup(h, &s)) {
    case Lookup::ok:
      return s->tensor;
    case Lookup::disposed:
      bad(i, "is a disposed tensor (freed by dispose() or by the scope that created it)");
    default:
      bad(i, "must be a tensor handle");
  }
}

c10::optional<at::Tensor> Args::optT(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return t(i);
}

std::vector<at::Tensor> Args::tensors(size_t i) const {
  Napi::Value v = info_[i];
  if (!v.IsArray()) bad(i, "must be an array of tensors");
  auto arr = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value e = arr.Get(k);
    double h = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : 0;
    Slot* s = nullptr;
    Lookup r = lookup(h, &s);
    if (r == Lookup::disposed) bad(i, "holds a disposed tensor at element " + std::to_string(k));
    if (r != Lookup::ok) bad(i, "must hold only tensor handles (element " + std::to_string(k) + " is not one)");
    out.push_back(s->tensor);
  }
  return out;
}

double Args::f64(size_t i) const {
  Napi::Value v = info_[i];
  if (!v.IsNumber()) bad(i, "must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

c10::optional<double> Args::optF64(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return f64(i);
}

int64_t Args::i64(size_t i) const {
  Napi::Value v = info_[i];
  if (!v.IsNumber()) bad(i, "must be an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > kMaxSafeInteger) {
    bad(i, "must be an integer, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

c10::optional<int64_t> Args::optI64(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return i64(i);
}

bool Args::b(size_t i) const {
  Napi::Value v = info_[i];
  if (!v.IsBoolean()) bad(i, "must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string Args::str(size_t i) const {
  Napi::Value v = info_[i];
  if (!v.IsString()) bad(i, "must be a string");
  return v.As<Napi::String>().Utf8Value();
}

std::vector<int64_t> Args::ints(size_t i) const {
  Napi::Value v = info_[i];
  if (!v.IsArray()) bad(i, "must be an array of integers");
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value e = arr.Get(k);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > kMaxSafeInteger) {
      bad(i, "must be an array of integers (element " + std::to_string(k) + " is not one)");
    }
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

c10::optional<std::vector<int64_t>> Args::optInts(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return ints(i);
}

at::Scalar Args::scalar(size_t i) const {
  Napi::Value v = info_[i];
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  if (!v.IsNumber()) bad(i, "must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  // Integral JS numbers act like Python ints (they keep integer tensors integral).
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= kMaxSafeInteger) return at::Scalar(static_cast<int64_t>(d));
  return at::Scalar(d);
}

c10::optional<at::Scalar> Args::optScalar(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return scalar(i);
}

at::ScalarType Args::dtype(size_t i) const {
  int64_t code = i64(i);
  if (!allowedDtype(code)) bad(i, "is not a supported dtype code (" + std::to_string(code) + ")");
  return static_cast<at::ScalarType>(code);
}

c10::optional<at::ScalarType> Args::optDtype(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  return dtype(i);
}

at::Device Args::device(size_t i) const {
  // c10::Device parses "cpu", "cuda", "cuda:1" and throws c10::Error on anything else.
  return at::Device(str(i));
}

c10::optional<at::Generator> Args::optGen(size_t i) const {
  if (isNullish(i)) return c10::nullopt;
  Napi::Value v = info_[i];
  if (!v.IsExternal()) bad(i, "must be a Generator handle");
  auto ext = v.As<Napi::External<GeneratorBox>>();
  if (!ext.CheckTypeTag(&kGeneratorTag)) bad(i, "must be a Generator handle");
  return ext.Data()->gen;
}

// ---------------------------------------------------------------------------------------------

namespace {

at::TensorOptions opts(const Args& a, size_t dtypeArg, size_t deviceArg) {
  return at::TensorOptions().dtype(a.dtype(dtypeArg)).device(a.device(deviceArg));
}

// Random tensors from an explicit CPU generator are drawn on the CPU and then moved, so a seed
// gives the same numbers on every device.
template <typename Draw>
at::Tensor drawWith(const c10::optional<at::Generator>& gen, const at::TensorOptions& o, Draw draw) {
  if (!gen) return draw(c10::nullopt, o);
  if (o.device().is_cpu()) return draw(gen, o);
  auto cpuDtype = o.dtype().toScalarType() == at::kDouble ? at::kDouble : at::kFloat;
  return draw(gen, o.device(at::kCPU).dtype(cpuDtype)).to(o.device(), o.dtype().toScalarType());
}

// The bytes a typed array views, read straight from N-API: also right for typed arrays over a
// SharedArrayBuffer, which Napi::TypedArray::ArrayBuffer() refuses ("Invalid argument").
void typedArrayBytes(napi_env env, napi_value v, const uint8_t** data, size_t* byteLength) {
  napi_typedarray_type type;
  size_t length = 0;
  void* ptr = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, nullptr, nullptr) != napi_ok) throw ArgError("cannot read the typed array's bytes");
  size_t width = 1;
  switch (type) {
    case napi_int16_array:
    case napi_uint16_array:
      width = 2;
      break;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      width = 4;
      break;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      width = 8;
      break;
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      width = 1;
      break;
    default:
      throw ArgError("is a typed array of an unsupported element type");
  }
  *data = static_cast<const uint8_t*>(ptr);
  *byteLength = length * width;
}

void checkCpuContiguous(const at::Tensor& t, const char* what) {
  if (!t.device().is_cpu() || !t.is_contiguous()) throw ArgError(std::string(what) + " needs a contiguous CPU tensor");
}

void registerCore(Napi::Env env, Napi::Object exports) {
  OP("init") {
    auto* data = a.env.GetInstanceData<AddonData>();
    Napi::Value ctor = a.raw(0);
    if (!ctor.IsFunction()) throw ArgError("init needs the TorchError class");
    data->errorCtor = Napi::Persistent(ctor.As<Napi::Function>());
    return a.undefined();
  });

  // ---- memory
  OP("liveCount") { return a.num(static_cast<double>(liveTensorCount())); });
  OP("free") { return a.boolean(freeTensor(a.f64(0))); });

  // ---- metadata
  OP("shape") {
    const at::Tensor& t = a.t(0);
    auto sizes = t.sizes();
    Napi::Array arr = Napi::Array::New(a.env, sizes.size());
    for (size_t i = 0; i < sizes.size(); i++) arr.Set(static_cast<uint32_t>(i), Napi::Number::New(a.env, static_cast<double>(sizes[i])));
    return arr;
  });
  OP("dtype") { return a.num(static_cast<double>(static_cast<int>(a.t(0).scalar_type()))); });
  OP("device") { return a.string(a.t(0).device().str()); });
  OP("requiresGrad") { return a.boolean(a.t(0).requires_grad()); });
  OP("isLeaf") { return a.boolean(a.t(0).is_leaf()); });
  OP("isContiguous") { return a.boolean(a.t(0).is_contiguous()); });
  OP("gradFn") {
    const auto& fn = a.t(0).grad_fn();
    if (!fn) return a.undefined();
    return a.string(fn->name());
  });
  OP("version") { return a.num(static_cast<double>(a.t(0)._version())); });

  // ---- creation
  OP("fromBytes") {
    Napi::Value v = a.raw(0);
    if (!v.IsTypedArray() && !v.IsDataView() && !v.IsArrayBuffer()) throw ArgError("first argument must be a typed array, DataView or ArrayBuffer");
    const uint8_t* src = nullptr;
    size_t len = 0;
    if (v.IsArrayBuffer()) {
      auto ab = v.As<Napi::ArrayBuffer>();
      src = static_cast<const uint8_t*>(ab.Data());
      len = ab.ByteLength();
    } else if (v.IsTypedArray()) {
      typedArrayBytes(a.env, v, &src, &len);
    } else {
      void* data = nullptr;
      if (napi_get_dataview_info(a.env, v, &len, &data, nullptr, nullptr) != napi_ok) throw ArgError("cannot read the DataView's bytes");
      src = static_cast<const uint8_t*>(data);
    }
    auto dtype = a.dtype(1);
    auto shape = a.ints(2);
    for (auto d : shape) {
      if (d < 0) throw ArgError("shape has a negative size");
    }
    auto t = at::empty(shape, at::TensorOptions().dtype(dtype));
    size_t need = static_cast<size_t>(t.numel()) * t.element_size();
    if (need != len) {
      throw ArgError("byte length " + std::to_string(len) + " does not match shape " + c10::str(t.sizes()) + " of " +
                     std::string(c10::toString(dtype)) + " (" + std::to_string(need) + " bytes)");
    }
    if (len > 0) std::memcpy(t.data_ptr(), src, len);
    return a.out(std::move(t));
  });
  OP("empty") { return a.out(at::empty(a.ints(0), opts(a, 1, 2))); });
  OP("zeros") { return a.out(at::zeros(a.ints(0), opts(a, 1, 2))); });
  OP("ones") { return a.out(at::ones(a.ints(0), opts(a, 1, 2))); });
  OP("full") { return a.out(at::full(a.ints(0), a.scalar(1), opts(a, 2, 3))); });
  OP("arange") { return a.out(at::arange(a.scalar(0), a.scalar(1), a.scalar(2), opts(a, 3, 4))); });
  OP("linspace") { return a.out(at::linspace(a.scalar(0), a.scalar(1), a.i64(2), opts(a, 3, 4))); });
  OP("eye") { return a.out(at::eye(a.i64(0), a.i64(1), opts(a, 2, 3))); });
  OP("rand") {
    auto shape = a.ints(0);
    return a.out(drawWith(a.optGen(3), opts(a, 1, 2), [&](c10::optional<at::Generator> g, const at::TensorOptions& o) { return at::rand(shape, g, o); }));
  });
  OP("randn") {
    auto shape = a.ints(0);
    return a.out(drawWith(a.optGen(3), opts(a, 1, 2), [&](c10::optional<at::Generator> g, const at::TensorOptions& o) { return at::randn(shape, g, o); }));
  });
  OP("randint") {
    int64_t low = a.i64(0), high = a.i64(1);
    auto shape = a.ints(2);
    auto gen = a.optGen(5);
    auto o = opts(a, 3, 4);
    if (!gen) return a.out(at::randint(low, high, shape, o));
    if (o.device().is_cpu()) return a.out(at::randint(low, high, shape, gen, o));
    return a.out(at::randint(low, high, shape, gen, o.device(at::kCPU).dtype(at::kLong)).to(o.device(), o.dtype().toScalarType()));
  });
  OP("uniform_") {
    at::Tensor& t = a.t(0);
    double from = a.f64(1), to = a.f64(2);
    auto gen = a.optGen(3);
    c10::NoGradGuard ng;
    if (!gen || t.device().is_cpu()) {
      t.uniform_(from, to, gen);
    } else {
      t.copy_(at::empty(t.sizes(), at::TensorOptions().dtype(t.scalar_type() == at::kDouble ? at::kDouble : at::kFloat)).uniform_(from, to, gen));
    }
    return a.undefined();
  });
  OP("normal_") {
    at::Tensor& t = a.t(0);
    double mean = a.f64(1), std = a.f64(2);
    auto gen = a.optGen(3);
    c10::NoGradGuard ng;
    if (!gen || t.device().is_cpu()) {
      t.normal_(mean, std, gen);
    } else {
      t.copy_(at::empty(t.sizes(), at::TensorOptions().dtype(t.scalar_type() == at::kDouble ? at::kDouble : at::kFloat)).normal_(mean, std, gen));
    }
    return a.undefined();
  });

  // ---- generators
  OP("generatorNew") {
    double seed = a.f64(0);
    if (!(seed >= 0) || std::trunc(seed) != seed || seed > kMaxSafeInteger) throw ArgError("seed must be a non-negative integer");
    return wrapGenerator(a.env, at::detail::createCPUGenerator(static_cast<uint64_t>(seed)));
  });
  OP("generatorState") {
    auto gen = a.optGen(0);
    if (!gen) throw ArgError("first argument must be a Generator handle");
    std::lock_guard<std::mutex> lock(gen->mutex());
    return a.out(gen->get_state());
  });
  OP("generatorSetState") {
    auto gen = a.optGen(0);
    if (!gen) throw ArgError("first argument must be a Generator handle");
    std::lock_guard<std::mutex> lock(gen->mutex());
    gen->set_state(a.t(1));
    return a.undefined();
  });

  // ---- readback
  OP("toBytes") {
    at::Tensor c = a.t(0).detach().to(at::kCPU).contiguous();
    size_t n = static_cast<size_t>(c.numel()) * c.element_size();
    auto ab = Napi::ArrayBuffer::New(a.env, n);
    if (n > 0) std::memcpy(ab.Data(), c.data_ptr(), n);
    return ab;
  });
  OP("readBytes") {
    const at::Tensor& t = a.t(0);
    checkCpuContiguous(t, "readBytes");
    int64_t off = a.i64(1), len = a.i64(2);
    int64_t total = t.numel() * static_cast<int64_t>(t.element_size());
    if (off < 0 || len < 0 || off + len > total) throw ArgError("byte range is outside the tensor");
    auto ab = Napi::ArrayBuffer::New(a.env, static_cast<size_t>(len));
    if (len > 0) std::memcpy(ab.Data(), static_cast<const uint8_t*>(t.data_ptr()) + off, static_cast<size_t>(len));
    return ab;
  });
  OP("writeBytes") {
    at::Tensor& t = a.t(0);
    checkCpuContiguous(t, "writeBytes");
    int64_t off = a.i64(1);
    Napi::Value v = a.raw(2);
    if (!v.IsTypedArray()) throw ArgError("third argument must be a Uint8Array");
    const uint8_t* src = nullptr;
    size_t byteLength = 0;
    typedArrayBytes(a.env, v, &src, &byteLength);
    int64_t len = static_cast<int64_t>(byteLength);
    int64_t total = t.numel() * static_cast<int64_t>(t.element_size());
    if (off < 0 || off + len > total) throw ArgError("byte range is outside the tensor");
    if (len > 0) std::memcpy(static_cast<uint8_t*>(t.data_ptr()) + off, src, static_cast<size_t>(len));
    t.unsafeGetTensorImpl()->bump_version();
    return a.undefined();
  });
  OP("item") {
    const at::Tensor& t = a.t(0);
    if (t.numel() != 1) throw ArgError("item() needs a tensor with one element, got shape " + c10::str(t.sizes()));
    at::Scalar s = t.item();
    if (s.isBoolean()) return a.num(s.toBool() ? 1 : 0);
    if (s.isIntegral(false)) {
      int64_t v = s.toLong();
      if (std::fabs(static_cast<double>(v)) > kMaxSafeInteger) throw ArgError("the value " + std::to_string(v) + " is beyond JavaScript's safe integers; use toBigInt64Array()");
      return a.num(static_cast<double>(v));
    }
    return a.num(s.toDouble());
  });

  // ---- autograd
  OP("requiresGrad_") {
    a.t(0).requires_grad_(a.b(1));
    return a.undefined();
  });
  OP("backward") {
    at::Tensor& t = a.t(0);
    auto grad = a.optT(1);
    bool retain = a.b(2);
    if (!grad && t.numel() != 1) throw ArgError("backward() without a gradient needs a one-element tensor (a loss), got shape " + c10::str(t.sizes()));
    t.backward(grad ? *grad : at::Tensor(), retain, false);
    return a.undefined();
  });
  OP("grad") { return a.out(a.t(0).grad()); });
  OP("setGrad") {
    at::Tensor& t = a.t(0);
    auto g = a.optT(1);
    if (g) {
      TORCH_CHECK(g->sizes() == t.sizes(), "assigned grad has shape ", g->sizes(), " but the tensor has shape ", t.sizes());
      TORCH_CHECK(g->scalar_type() == t.scalar_type(), "assigned grad has dtype ", g->scalar_type(), " but the tensor has dtype ", t.scalar_type());
      TORCH_CHECK(g->device() == t.device(), "assigned grad is on ", g->device(), " but the tensor is on ", t.device());
      t.mutable_grad() = *g;
    } else {
      t.mutable_grad().reset();
    }
    return a.undefined();
  });
  OP("hasGrad") { return a.boolean(a.t(0).grad().defined()); });
  OP("retainGrad") {
    a.t(0).retain_grad();
    return a.undefined();
  });
  OP("detach") { return a.out(a.t(0).detach()); });
  OP("isGradEnabled") { return a.boolean(c10::GradMode::is_enabled()); });
  OP("setGradEnabled") {
    bool prev = c10::GradMode::is_enabled();
    c10::GradMode::set_enabled(a.b(0));
    return a.boolean(prev);
  });
  OP("inferenceModeEnter") {
    a.env.GetInstanceData<AddonData>()->inferenceModes.push_back(std::make_unique<c10::InferenceMode>(true));
    return a.undefined();
  });
  OP("inferenceModeExit") {
    auto& modes = a.env.GetInstanceData<AddonData>()->inferenceModes;
    if (modes.empty()) throw ArgError("inferenceModeExit without a matching enter");
    modes.pop_back();
    return a.undefined();
  });
  OP("isInferenceMode") { return a.boolean(c10::InferenceMode::is_enabled()); });
}

}  // namespace
}  // namespace clinsum

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<clinsum::AddonData>(new clinsum::AddonData());
  clinsum::registerCore(env, exports);
  clinsum::registerTensorOps(env, exports);
  clinsum::registerNnOps(env, exports);
  clinsum::registerRuntime(env, exports);
  return exports;
}

NODE_API_MODULE(clinsum_native, Init)
