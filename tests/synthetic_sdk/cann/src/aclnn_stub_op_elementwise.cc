// Element-wise arithmetic of the SYNTHETIC stand-in libopapi.so: aclnnAdd, aclnnInplaceAdd,
// aclnnSub, aclnnMul, aclnnDiv, aclnnPowTensorScalar, aclnnRsqrt, aclnnSilu
// (include/aclnnop/aclnn_{add,sub,mul,div,pow,rsqrt,silu}.h). Inputs broadcast (numpy rules) to
// out's shape, which must be the broadcast shape (for aclnnInplaceAdd: selfRef's). Mixed input
// dtypes are accepted: every element is read as double and the result stored in out's dtype,
// which models aclnn's type promotion (int64 beyond 2^53 loses precision here, not on a device).
#include <cmath>
#include <string>

#include "aclnn_stub_internal.h"
#include "aclnnop/aclnn_add.h"
#include "aclnnop/aclnn_div.h"
#include "aclnnop/aclnn_mul.h"
#include "aclnnop/aclnn_pow.h"
#include "aclnnop/aclnn_rsqrt.h"
#include "aclnnop/aclnn_silu.h"
#include "aclnnop/aclnn_sub.h"

using namespace flagos_synthetic::aclnn_stub;

namespace {

enum class Binary { kAdd, kSub, kMul, kDiv };

// c = a (op) b over `shape`, both read whole before c is written (c may be a itself).
void binary(Binary kind, const aclTensor& a, const aclTensor& b, const aclTensor& c, const std::vector<int64_t>& shape,
            double scale) {
  const std::vector<double> x = gather(a, shape), y = gather(b, shape);
  std::vector<double> z(x.size());
  for (size_t i = 0; i < z.size(); ++i) {
    switch (kind) {
      case Binary::kAdd: z[i] = x[i] + scale * y[i]; break;
      case Binary::kSub: z[i] = x[i] - scale * y[i]; break;
      case Binary::kMul: z[i] = x[i] * y[i]; break;
      case Binary::kDiv: z[i] = x[i] / y[i]; break;
    }
  }
  scatter(c, z);
}

aclnnStatus prepare_binary(const char* op, Binary kind, const aclTensor* self, const aclTensor* other,
                           const aclScalar* alpha, aclTensor* out, uint64_t* workspace_size,
                           aclOpExecutor** executor) {
  // True division has a floating result; the other operators store into any dtype.
  std::vector<Arg> args = {tensor_arg(self, "self"), tensor_arg(other, "other"),
                           tensor_arg(out, "out", kWritten | (kind == Binary::kDiv ? kFloating : kAnyType))};
  if (kind == Binary::kAdd || kind == Binary::kSub) args.push_back(scalar_arg(alpha, "alpha"));
  Prepare p(op, 0, workspace_size, executor, args);
  if (!p.ok()) return p.status();
  std::vector<int64_t> shape;
  if (!broadcast(self->shape, other->shape, &shape)) {
    return p.invalid("self " + shape_str(self->shape) + " and other " + shape_str(other->shape) + " do not broadcast");
  }
  if (out->shape != shape) {
    return p.invalid("out is " + shape_str(out->shape) + ", expected the broadcast shape " + shape_str(shape));
  }
  const double scale = alpha ? scalar_value(*alpha) : 1.0;
  return p.finish(0, [a = *self, b = *other, c = *out, shape, scale, kind](const Job&) {
    binary(kind, a, b, c, shape, scale);
  });
}

// f applied to every element of self into out (same shape).
template <typename F>
aclnnStatus finish_unary(Prepare& p, const aclTensor* self, const aclTensor* out, F f) {
  if (out->shape != self->shape) {
    return p.invalid("out is " + shape_str(out->shape) + ", expected self's shape " + shape_str(self->shape));
  }
  return p.finish(0, [a = *self, c = *out, f](const Job&) {
    std::vector<double> x = gather(a);
    for (double& v : x) v = f(v);
    scatter(c, x);
  });
}

}  // namespace

extern "C" {

aclnnStatus aclnnAddGetWorkspaceSize(const aclTensor* self, const aclTensor* other, const aclScalar* alpha,
                                     aclTensor* out, uint64_t* workspaceSize, aclOpExecutor** executor) {
  return prepare_binary("aclnnAdd", Binary::kAdd, self, other, alpha, out, workspaceSize, executor);
}

aclnnStatus aclnnAdd(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnAdd", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnInplaceAddGetWorkspaceSize(const aclTensor* selfRef, const aclTensor* other, const aclScalar* alpha,
                                            uint64_t* workspaceSize, aclOpExecutor** executor) {
  Prepare p("aclnnInplaceAdd", 0, workspaceSize, executor,
            {tensor_arg(selfRef, "selfRef", kWritten), tensor_arg(other, "other"), scalar_arg(alpha, "alpha")});
  if (!p.ok()) return p.status();
  std::vector<int64_t> shape;
  if (!broadcast(selfRef->shape, other->shape, &shape) || shape != selfRef->shape) {
    return p.invalid("other " + shape_str(other->shape) + " does not broadcast to selfRef's shape " +
                     shape_str(selfRef->shape));
  }
  const double scale = scalar_value(*alpha);
  return p.finish(0, [a = *selfRef, b = *other, shape, scale](const Job&) { binary(Binary::kAdd, a, b, a, shape, scale); });
}

aclnnStatus aclnnInplaceAdd(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnInplaceAdd", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnSubGetWorkspaceSize(const aclTensor* self, const aclTensor* other, const aclScalar* alpha,
                                     aclTensor* out, uint64_t* workspaceSize, aclOpExecutor** executor) {
  return prepare_binary("aclnnSub", Binary::kSub, self, other, alpha, out, workspaceSize, executor);
}

aclnnStatus aclnnSub(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnSub", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnMulGetWorkspaceSize(const aclTensor* self, const aclTensor* other, aclTensor* out,
                                     uint64_t* workspaceSize, aclOpExecutor** executor) {
  return prepare_binary("aclnnMul", Binary::kMul, self, other, nullptr, out, workspaceSize, executor);
}

aclnnStatus aclnnMul(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnMul", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnDivGetWorkspaceSize(const aclTensor* self, const aclTensor* other, aclTensor* out,
                                     uint64_t* workspaceSize, aclOpExecutor** executor) {
  return prepare_binary("aclnnDiv", Binary::kDiv, self, other, nullptr, out, workspaceSize, executor);
}

aclnnStatus aclnnDiv(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnDiv", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnPowTensorScalarGetWorkspaceSize(const aclTensor* self, const aclScalar* exponent, const aclTensor* out,
                                                 uint64_t* workspaceSize, aclOpExecutor** executor) {
  Prepare p("aclnnPowTensorScalar", 0, workspaceSize, executor,
            {tensor_arg(self, "self"), scalar_arg(exponent, "exponent"), tensor_arg(out, "out", kWritten)});
  if (!p.ok()) return p.status();
  const double e = scalar_value(*exponent);
  if (is_integral(self->dtype) && is_integral(exponent->dtype) && is_integral(out->dtype) && e < 0) {
    return p.invalid("exponent " + std::to_string(static_cast<int64_t>(e)) +
                     ": an integral power takes an exponent >= 0");
  }
  return finish_unary(p, self, out, [e](double v) { return std::pow(v, e); });
}

aclnnStatus aclnnPowTensorScalar(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnPowTensorScalar", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnRsqrtGetWorkspaceSize(const aclTensor* self, aclTensor* out, uint64_t* workspaceSize,
                                       aclOpExecutor** executor) {
  Prepare p("aclnnRsqrt", 0, workspaceSize, executor,
            {tensor_arg(self, "self"), tensor_arg(out, "out", kFloating | kWritten)});
  if (!p.ok()) return p.status();
  return finish_unary(p, self, out, [](double v) { return 1.0 / std::sqrt(v); });
}

aclnnStatus aclnnRsqrt(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnRsqrt", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnSiluGetWorkspaceSize(const aclTensor* self, aclTensor* out, uint64_t* workspaceSize,
                                      aclOpExecutor** executor) {
  Prepare p("aclnnSilu", 0, workspaceSize, executor,
            {tensor_arg(self, "self", kFloating), tensor_arg(out, "out", kFloating | kWritten)});
  if (!p.ok()) return p.status();
  return finish_unary(p, self, out, [](double v) { return v / (1.0 + std::exp(-v)); });
}

aclnnStatus aclnnSilu(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnSilu", workspace, workspaceSize, executor, stream);
}

}  // extern "C"
