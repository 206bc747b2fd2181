// Matrix products through aclnn's Cube-unit kernels: mm -> aclnnMm, bmm -> aclnnBatchMatMul.
#include <ATen/ATen.h>
#include <aclnnop/aclnn_batch_matmul.h>
#include <aclnnop/aclnn_mm.h>
#include <torch/library.h>

#include "platforms/ascend/kernels/aclnn.h"

namespace flagos::ascend {
namespace {

// aclnn's cubeMathType: 0 keeps the inputs' dtype (no silent down-cast of float32 to HF32/fp16),
// which is what torch computes by default.
constexpr int8_t kKeepDtype = 0;

void check_operands(const char* op, const at::Tensor& a, const at::Tensor& b, int64_t dims) {
  TORCH_CHECK(a.dim() == dims, op, ": self must be a ", dims, "-D tensor, got ", a.dim(), "-D");
  TORCH_CHECK(b.dim() == dims, op, ": mat2 must be a ", dims, "-D tensor, got ", b.dim(), "-D");
  TORCH_CHECK(a.scalar_type() == b.scalar_type(), "expected m1 and m2 to have the same dtype, but got: ",
              a.scalar_type(), " != ", b.scalar_type());
  TORCH_CHECK(a.size(-1) == b.size(-2), op, ": mat1 and mat2 shapes cannot be multiplied (", a.size(-2), "x",
              a.size(-1), " and ", b.size(-2), "x", b.size(-1), ")");
}

at::Tensor mm(const at::Tensor& self, const at::Tensor& mat2) {
  check_operands("mm", self, mat2, 2);
  at::Tensor out = at::empty({self.size(0), mat2.size(1)}, self.options());
  if (out.numel() == 0) return out;
  if (self.size(1) == 0) return out.zero_();
  AclTensor a(self), b(mat2), o(out);
  FLAGOS_ACLNN(Mm, a.get(), b.get(), o.get(), kKeepDtype);
  return out;
}

at::Tensor bmm(const at::Tensor& self, const at::Tensor& mat2) {
  check_operands("bmm", self, mat2, 3);
  TORCH_CHECK(self.size(0) == mat2.size(0), "bmm: batch1 and batch2 must have the same number of batches, got ",
              self.size(0), " and ", mat2.size(0));
  at::Tensor out = at::empty({self.size(0), self.size(1), mat2.size(2)}, self.options());
  if (out.numel() == 0) return out;
  if (self.size(2) == 0) return out.zero_();
  AclTensor a(self), b(mat2), o(out);
  FLAGOS_ACLNN(BatchMatMul, a.get(), b.get(), o.get(), kKeepDtype);
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse2, m) {
  m.impl("mm", TORCH_FN(mm));
  m.impl("bmm", TORCH_FN(bmm));
}

}  // namespace flagos::ascend
