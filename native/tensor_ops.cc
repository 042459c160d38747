// Element-wise, reduction, shape and indexing ops: each one line over its ATen function.
#include "common.h"

#include <limits>

namespace clinsum {
namespace {

// The one integer quotient that overflows, MIN / -1, makes the x86 divide instruction trap
// (SIGFPE kills the process), and libtorch's CPU kernels for div(rounding_mode) and remainder
// do not guard it (division by zero they do refuse). Refuse it here; CUDA does not trap.
c10::optional<at::Scalar> integerMin(at::ScalarType t) {
  switch (t) {
    case at::kLong:
      return at::Scalar(std::numeric_limits<int64_t>::min());
    case at::kInt:
      return at::Scalar(static_cast<int64_t>(std::numeric_limits<int32_t>::min()));
    case at::kShort:
      return at::Scalar(static_cast<int64_t>(std::numeric_limits<int16_t>::min()));
    case at::kChar:
      return at::Scalar(static_cast<int64_t>(std::numeric_limits<int8_t>::min()));
    default:
      return c10::nullopt;
  }
}

void refuseOverflowingQuotient(const at::Tensor& x, const at::Tensor& y) {
  if (!at::isIntegralType(x.scalar_type(), false) || !x.device().is_cpu()) return;
  const auto rt = at::result_type(x, y);
  const auto min = integerMin(rt);
  if (!min) return;
  c10::NoGradGuard noGrad;
  if (at::logical_and(x.to(rt).eq(*min), y.to(rt).eq(-1)).any().item<bool>()) {
    throw ArgError("integer overflow: the minimum " + std::string(c10::toString(rt)) + " divided by -1 is not representable");
  }
}

void refuseOverflowingQuotient(const at::Tensor& x, const at::Scalar& y) {
  if (!at::isIntegralType(x.scalar_type(), false) || !x.device().is_cpu() || !y.isIntegral(false) || y.toLong() != -1) return;
  const auto rt = at::result_type(x, y);
  const auto min = integerMin(rt);
  if (!min) return;
  c10::NoGradGuard noGrad;
  if (x.to(rt).eq(*min).any().item<bool>()) {
    throw ArgError("integer overflow: the minimum " + std::string(c10::toString(rt)) + " divided by -1 is not representable");
  }
}

}  // namespace

#define UNARY(name, fn) \
  OP(name) { return a.out(fn(a.t(0))); })

// Ops whose second operand may be a tensor (`name`) or a number (`nameScalar`): handles are
// numbers too, so TypeScript picks the variant.
#define BINARY(name, fn)                                                     \
  OP(name) { return a.out(fn(a.t(0), a.t(1))); });                          \
  OP(name "Scalar") { return a.out(fn(a.t(0), a.scalar(1))); })

#define BINARY_INPLACE(name, method) \
  OP(name "_") {                     \
    a.t(0).method(a.t(1));           \
    return a.undefined();            \
  });                                \
  OP(name "Scalar_") {               \
    a.t(0).method(a.scalar(1));      \
    return a.undefined();            \
  })

void registerTensorOps(Napi::Env env, Napi::Object exports) {
  // ---- unary
  UNARY("neg", at::neg);
  UNARY("exp", at::exp);
  UNARY("log", at::log);
  UNARY("log1p", at::log1p);
  UNARY("expm1", at::expm1);
  UNARY("sqrt", at::sqrt);
  UNARY("rsqrt", at::rsqrt);
  UNARY("abs", at::abs);
  UNARY("sign", at::sign);
  UNARY("sin", at::sin);
  UNARY("cos", at::cos);
  UNARY("tanh", at::tanh);
  UNARY("sigmoid", at::sigmoid);
  UNARY("relu", at::relu);
  UNARY("silu", at::silu);
  UNARY("erf", at::erf);
  UNARY("floor", at::floor);
  UNARY("ceil", at::ceil);
  UNARY("round", at::round);
  UNARY("trunc", at::trunc);
  UNARY("reciprocal", at::reciprocal);
  UNARY("square", at::square);
  UNARY("logicalNot", at::logical_not);
  UNARY("isnan", at::isnan);
  UNARY("isinf", at::isinf);
  UNARY("isfinite", at::isfinite);
  UNARY("clone", at::clone);
  OP("contiguous") { return a.out(a.t(0).contiguous()); });
  OP("gelu") { return a.out(at::gelu(a.t(0), a.str(1))); });
  OP("clamp") { return a.out(at::clamp(a.t(0), a.optScalar(1), a.optScalar(2))); });
  OP("clamp_") {
    a.t(0).clamp_(a.optScalar(1), a.optScalar(2));
    return a.undefined();
  });

  // ---- binary
  OP("add") {
    if (a.isNullish(2)) return a.out(at::add(a.t(0), a.t(1)));
    return a.out(at::add(a.t(0), a.t(1), a.scalar(2)));
  });
  OP("addScalar") { return a.out(at::add(a.t(0), a.scalar(1))); });
  OP("sub") {
    if (a.isNullish(2)) return a.out(at::sub(a.t(0), a.t(1)));
    return a.out(at::sub(a.t(0), a.t(1), a.scalar(2)));
  });
  OP("subScalar") { return a.out(at::sub(a.t(0), a.scalar(1))); });
  OP("rsub") { return a.out(at::rsub(a.t(0), a.scalar(1))); });
  BINARY("mul", at::mul);
  OP("div") {
    if (a.isNullish(2)) return a.out(at::div(a.t(0), a.t(1)));
    std::string modeStr = a.str(2);
    refuseOverflowingQuotient(a.t(0), a.t(1));
    return a.out(at::div(a.t(0), a.t(1), c10::optional<c10::string_view>(c10::string_view(modeStr))));
  });
  OP("divScalar") {
    if (a.isNullish(2)) return a.out(at::div(a.t(0), a.scalar(1)));
    std::string modeStr = a.str(2);
    refuseOverflowingQuotient(a.t(0), a.scalar(1));
    return a.out(at::div(a.t(0), a.scalar(1), c10::optional<c10::string_view>(c10::string_view(modeStr))));
  });
  BINARY("pow", at::pow);
  OP("powScalarBase") { return a.out(at::pow(a.scalar(0), a.t(1))); });
  OP("remainder") {
    refuseOverflowingQuotient(a.t(0), a.t(1));
    return a.out(at::remainder(a.t(0), a.t(1)));
  });
  OP("remainderScalar") {
    refuseOverflowingQuotient(a.t(0), a.scalar(1));
    return a.out(at::remainder(a.t(0), a.scalar(1)));
  });
  OP("maximum") { return a.out(at::maximum(a.t(0), a.t(1))); });
  OP("minimum") { return a.out(at::minimum(a.t(0), a.t(1))); });
  BINARY("eq", at::eq);
  BINARY("ne", at::ne);
  BINARY("lt", at::lt);
  BINARY("le", at::le);
  BINARY("gt", at::gt);
  BINARY("ge", at::ge);
  OP("logicalAnd") { return a.out(at::logical_and(a.t(0), a.t(1))); });
  OP("logicalOr") { return a.out(at::logical_or(a.t(0), a.t(1))); });
  OP("logicalXor") { return a.out(at::logical_xor(a.t(0), a.t(1))); });
  OP("equal") { return a.boolean(at::equal(a.t(0), a.t(1))); });
  OP("allclose") { return a.boolean(at::allclose(a.t(0), a.t(1), a.f64(2), a.f64(3), a.b(4))); });

  // ---- in place (the caller's tensor changes; used on no-grad paths and for initialisation)
  OP("add_") {
    at::Scalar alpha = a.isNullish(2) ? at::Scalar(1) : a.scalar(2);
    a.t(0).add_(a.t(1), alpha);
    return a.undefined();
  });
  OP("addScalar_") {
    a.t(0).add_(a.scalar(1));
    return a.undefined();
  });
  BINARY_INPLACE("sub", sub_);
  BINARY_INPLACE("mul", mul_);
  BINARY_INPLACE("div", div_);
  OP("copy_") {
    a.t(0).copy_(a.t(1));
    return a.undefined();
  });
  OP("fill_") {
    a.t(0).fill_(a.scalar(1));
    return a.undefined();
  });
  OP("zero_") {
    a.t(0).zero_();
    return a.undefined();
  });
  OP("maskedFill_") {
    a.t(0).masked_fill_(a.t(1), a.scalar(2));
    return a.undefined();
  });

  // ---- matrix products
  OP("matmul") { return a.out(at::matmul(a.t(0), a.t(1))); });
  OP("mm") { return a.out(at::mm(a.t(0), a.t(1))); });
  OP("bmm") { return a.out(at::bmm(a.t(0), a.t(1))); });
  OP("outer") { return a.out(at::outer(a.t(0), a.t(1))); });
  OP("einsum") { return a.out(at::einsum(a.str(0), a.tensors(1))); });

  // ---- reductions (dims undefined = all)
  OP("sum") {
    auto dims = a.optInts(1);
    auto dtype = a.optDtype(3);
    if (!dims) return a.out(at::sum(a.t(0), dtype));
    return a.out(at::sum(a.t(0), *dims, a.b(2), dtype));
  });
  OP("mean") {
    auto dims = a.optInts(1);
    auto dtype = a.optDtype(3);
    if (!dims) return a.out(at::mean(a.t(0), dtype));
    return a.out(at::mean(a.t(0), *dims, a.b(2), dtype));
  });
  OP("prod") {
    auto dim = a.optI64(1);
    if (!dim) return a.out(at::prod(a.t(0)));
    return a.out(at::prod(a.t(0), *dim, a.b(2)));
  });
  OP("maxAll") { return a.out(at::max(a.t(0))); });
  OP("minAll") { return a.out(at::min(a.t(0))); });
  OP("maxDim") { return a.out(at::max(a.t(0), a.i64(1), a.b(2))); });
  OP("minDim") { return a.out(at::min(a.t(0), a.i64(1), a.b(2))); });
  OP("amax") { return a.out(at::amax(a.t(0), a.ints(1), a.b(2))); });
  OP("amin") { return a.out(at::amin(a.t(0), a.ints(1), a.b(2))); });
  OP("argmax") { return a.out(at::argmax(a.t(0), a.optI64(1), a.b(2))); });
  OP("argmin") { return a.out(at::argmin(a.t(0), a.optI64(1), a.b(2))); });
  OP("logsumexp") { return a.out(at::logsumexp(a.t(0), a.ints(1), a.b(2))); });
  OP("var") { return a.out(at::var(a.t(0), a.ints(1), a.b(2), a.b(3))); });
  OP("std") { return a.out(at::std(a.t(0), a.ints(1), a.b(2), a.b(3))); });
  OP("norm") {
    auto dims = a.optInts(2);
    at::OptionalIntArrayRef d = dims ? at::OptionalIntArrayRef(*dims) : at::OptionalIntArrayRef(c10::nullopt);
    return a.out(at::linalg_vector_norm(a.t(0), a.scalar(1), d, a.b(3), c10::nullopt));
  });
  OP("all") {
    auto dim = a.optI64(1);
    if (!dim) return a.out(at::all(a.t(0)));
    return a.out(at::all(a.t(0), *dim, a.b(2)));
  });
  OP("any") {
    auto dim = a.optI64(1);
    if (!dim) return a.out(at::any(a.t(0)));
    return a.out(at::any(a.t(0), *dim, a.b(2)));
  });
  OP("countNonzero") { return a.out(at::count_nonzero(a.t(0), a.optI64(1))); });
  OP("cumsum") { return a.out(at::cumsum(a.t(0), a.i64(1), a.optDtype(2))); });
  OP("cumprod") { return a.out(at::cumprod(a.t(0), a.i64(1), a.optDtype(2))); });
  OP("topk") { return a.out(at::topk(a.t(0), a.i64(1), a.i64(2), a.b(3), a.b(4))); });
  OP("sort") { return a.out(at::sort(a.t(0), c10::optional<bool>(a.b(3)), a.i64(1), a.b(2))); });
  OP("argsort") { return a.out(std::get<1>(at::sort(a.t(0), c10::optional<bool>(a.b(3)), a.i64(1), a.b(2)))); });

  // ---- shape
  OP("reshape") { return a.out(at::reshape(a.t(0), a.ints(1))); });
  OP("view") { return a.out(a.t(0).view(a.ints(1))); });
  OP("permute") { return a.out(at::permute(a.t(0), a.ints(1))); });
  OP("transpose") { return a.out(at::transpose(a.t(0), a.i64(1), a.i64(2))); });
  OP("narrow") { return a.out(at::narrow(a.t(0), a.i64(1), a.i64(2), a.i64(3))); });
  OP("slice") { return a.out(at::slice(a.t(0), a.i64(1), a.optI64(2), a.optI64(3), a.i64(4))); });
  OP("select") { return a.out(at::select(a.t(0), a.i64(1), a.i64(2))); });
  OP("cat") { return a.out(at::cat(a.tensors(0), a.i64(1))); });
  OP("stack") { return a.out(at::stack(a.tensors(0), a.i64(1))); });
  OP("split") {
    if (a.raw(1).IsArray()) return a.outs(at::split_with_sizes(a.t(0), a.ints(1), a.i64(2)));
    return a.outs(at::split(a.t(0), a.i64(1), a.i64(2)));
  });
  OP("chunk") { return a.outs(at::chunk(a.t(0), a.i64(1), a.i64(2))); });
  OP("unbind") { return a.outs(at::unbind(a.t(0), a.i64(1))); });
  OP("expand") { return a.out(a.t(0).expand(a.ints(1))); });
  OP("squeeze") {
    auto dim = a.optI64(1);
    if (!dim) return a.out(at::squeeze(a.t(0)));
    return a.out(at::squeeze(a.t(0), *dim));
  });
  OP("unsqueeze") { return a.out(at::unsqueeze(a.t(0), a.i64(1))); });
  OP("flatten") { return a.out(at::flatten(a.t(0), a.i64(1), a.i64(2))); });
  OP("unflatten") { return a.out(a.t(0).unflatten(a.i64(1), a.ints(2))); });
  OP("repeat") { return a.out(a.t(0).repeat(a.ints(1))); });
  OP("repeatInterleave") {
    auto dim = a.optI64(2);
    return a.out(at::repeat_interleave(a.t(0), a.i64(1), dim));
  });
  OP("repeatInterleaveTensor") { return a.out(at::repeat_interleave(a.t(0), a.t(1), a.optI64(2))); });
  OP("flip") { return a.out(at::flip(a.t(0), a.ints(1))); });
  OP("roll") { return a.out(at::roll(a.t(0), a.ints(1), a.ints(2))); });
  OP("triu") { return a.out(at::triu(a.t(0), a.i64(1))); });
  OP("tril") { return a.out(at::tril(a.t(0), a.i64(1))); });
  OP("pad") { return a.out(at::constant_pad_nd(a.t(0), a.ints(1), a.scalar(2))); });

  // ---- indexing and selection
  OP("indexSelect") { return a.out(at::index_select(a.t(0), a.i64(1), a.t(2))); });
  OP("gather") { return a.out(at::gather(a.t(0), a.i64(1), a.t(2))); });
  OP("scatter") { return a.out(at::scatter(a.t(0), a.i64(1), a.t(2), a.t(3))); });
  OP("scatterScalar") { return a.out(at::scatter(a.t(0), a.i64(1), a.t(2), a.scalar(3))); });
  OP("scatterAdd") { return a.out(at::scatter_add(a.t(0), a.i64(1), a.t(2), a.t(3))); });
  OP("indexAdd") { return a.out(at::index_add(a.t(0), a.i64(1), a.t(2), a.t(3))); });
  OP("maskedSelect") { return a.out(at::masked_select(a.t(0), a.t(1))); });
  OP("nonzero") { return a.out(at::nonzero(a.t(0))); });
  // where(cond, x, y): `kinds` says which of x, y are numbers (1 = x, 2 = y).
  OP("where") {
    switch (a.i64(3)) {
      case 0:
        return a.out(at::where(a.t(0), a.t(1), a.t(2)));
      case 1:
        return a.out(at::where(a.t(0), a.scalar(1), a.t(2)));
      case 2:
        return a.out(at::where(a.t(0), a.t(1), a.scalar(2)));
      default:
        throw ArgError("where needs at least one tensor among its second and third arguments");
    }
  });
  OP("maskedFill") { return a.out(at::masked_fill(a.t(0), a.t(1), a.scalar(2))); });
  OP("oneHot") { return a.out(at::one_hot(a.t(0), a.i64(1))); });
  OP("searchsorted") { return a.out(at::searchsorted(a.t(0), a.t(1), false, a.b(2))); });

  // ---- conversion
  OP("to") {
    const at::Tensor& t = a.t(0);
    auto dtype = a.optDtype(1);
    at::Device device = a.isNullish(2) ? t.device() : a.device(2);
    return a.out(t.to(device, dtype ? *dtype : t.scalar_type(), a.b(3), a.b(4)));
  });
}

}  // namespace clinsum
