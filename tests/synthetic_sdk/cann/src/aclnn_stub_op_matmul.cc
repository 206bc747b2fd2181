// Matrix products of the SYNTHETIC stand-in libopapi.so: aclnnMm and aclnnBatchMatMul
// (include/aclnnop/aclnn_mm.h, aclnn_batch_matmul.h). Computed in double whatever cubeMathType
// asks (a real NPU may compute in lower precision: tests compare with a tolerance), rounded once
// into out's dtype.
#include <string>

#include "aclnn_stub_internal.h"
#include "aclnnop/aclnn_batch_matmul.h"
#include "aclnnop/aclnn_mm.h"

using namespace flagos_synthetic::aclnn_stub;

namespace {

// Both operators: `dims` 2 (Mm: m x k @ k x n) or 3 (BatchMatMul: b x m x k @ b x k x n).
aclnnStatus prepare(const char* op, size_t dims, uint64_t workspace, const aclTensor* self, const aclTensor* mat2,
                    aclTensor* out, int8_t cube_math_type, uint64_t* workspace_size, aclOpExecutor** executor) {
  Prepare p(op, static_cast<uint8_t>(cube_math_type), workspace_size, executor,
            {tensor_arg(self, "self", kFloating), tensor_arg(mat2, "mat2", kFloating),
             tensor_arg(out, "out", kFloating | kWritten)});
  if (!p.ok()) return p.status();
  const std::pair<const aclTensor*, const char*> operands[] = {{self, "self"}, {mat2, "mat2"}, {out, "out"}};
  for (const auto& [t, name] : operands) {
    if (t->shape.size() != dims) {
      return p.invalid(std::string(name) + " is " + std::to_string(t->shape.size()) + "-D, expected " +
                       std::to_string(dims) + "-D");
    }
  }
  const size_t r = dims - 2;  // the row dimension
  const int64_t batch = dims == 3 ? self->shape[0] : 1;
  const int64_t m = self->shape[r], k = self->shape[r + 1], n = mat2->shape[r + 1];
  if (mat2->shape[r] != k || (dims == 3 && mat2->shape[0] != batch)) {
    return p.invalid("self " + shape_str(self->shape) + " and mat2 " + shape_str(mat2->shape) +
                     " cannot be multiplied");
  }
  const std::vector<int64_t> want = dims == 3 ? std::vector<int64_t>{batch, m, n} : std::vector<int64_t>{m, n};
  if (out->shape != want) return p.invalid("out is " + shape_str(out->shape) + ", expected " + shape_str(want));
  if (cube_math_type < 0 || cube_math_type > 3) {
    return p.invalid("cubeMathType " + std::to_string(cube_math_type) + " is not one of 0, 1, 2, 3");
  }
  return p.finish(workspace, [a = *self, b = *mat2, c = *out, batch, m, k, n](const Job&) {
    const std::vector<double> x = gather(a), y = gather(b);
    std::vector<double> z(static_cast<size_t>(batch * m * n), 0.0);
    for (int64_t s = 0; s < batch; ++s) {
      const double* xs = x.data() + s * m * k;
      const double* ys = y.data() + s * k * n;
      double* zs = z.data() + s * m * n;
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t l = 0; l < k; ++l) {
          const double v = xs[i * k + l];
          for (int64_t j = 0; j < n; ++j) zs[i * n + j] += v * ys[l * n + j];
        }
      }
    }
    scatter(c, z);
  });
}

}  // namespace

extern "C" {

aclnnStatus aclnnMmGetWorkspaceSize(const aclTensor* self, const aclTensor* mat2, aclTensor* out, int8_t cubeMathType,
                                    uint64_t* workspaceSize, aclOpExecutor** executor) {
  return prepare("aclnnMm", 2, kMmWorkspace, self, mat2, out, cubeMathType, workspaceSize, executor);
}

aclnnStatus aclnnMm(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnMm", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnBatchMatMulGetWorkspaceSize(const aclTensor* self, const aclTensor* mat2, aclTensor* out,
                                             int8_t cubeMathType, uint64_t* workspaceSize,
                                             aclOpExecutor** executor) {
  return prepare("aclnnBatchMatMul", 3, kBatchMatMulWorkspace, self, mat2, out, cubeMathType, workspaceSize,
                 executor);
}

aclnnStatus aclnnBatchMatMul(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnBatchMatMul", workspace, workspaceSize, executor, stream);
}

}  // extern "C"
