// Element-wise arithmetic of the SYNTHETIC stand-in libopapi.so: aclnnAdd, aclnnSub, aclnnMul,
// aclnnDiv, aclnnSilu (include/aclnnop/aclnn_{add,sub,mul,div,silu}.h). Inputs broadcast (numpy
// rules) to out's shape, which must be the broadcast shape. Mixed input dtypes are accepted: every
// element is read as double and the result stored in out's dtype, which models aclnn's type
// promotion (int64 beyond 2^53 loses precision here, not on a device).
#include <cmath>
#include <string>

#include "aclnn_stub_internal.h"
#include "aclnnop/aclnn_add.h"
#include "aclnnop/aclnn_div.h"
#include "aclnnop/aclnn_mul.h"
#include "aclnnop/aclnn_silu.h"
#include "aclnnop/aclnn_sub.h"

using namespace flagos_synthetic::aclnn_stub;

namespace {

enum class Binary { kAdd, kSub, kMul, kDiv };

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

aclnnStatus aclnnSiluGetWorkspaceSize(const aclTensor* self, aclTensor* out, uint64_t* workspaceSize,
                                      aclOpExecutor** executor) {
  Prepare p("aclnnSilu", 0, workspaceSize, executor,
            {tensor_arg(self, "self", kFloating), tensor_arg(out, "out", kFloating | kWritten)});
  if (!p.ok()) return p.status();
  if (out->shape != self->shape) {
    return p.invalid("out is " + shape_str(out->shape) + ", expected self's shape " + shape_str(self->shape));
  }
  return p.finish(0, [a = *self, c = *out](const Job&) {
    std::vector<double> x = gather(a);
    for (double& v : x) v = v / (1.0 + std::exp(-v));
    scatter(c, x);
  });
}

aclnnStatus aclnnSilu(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnSilu", workspace, workspaceSize, executor, stream);
}

}  // extern "C"
