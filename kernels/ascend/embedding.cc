// Embedding lookup through aclnnEmbedding (padding_idx, scale_grad_by_freq and sparse matter only
// to the backward, which runs where it is routed). An index out of range is aclnn's to report, on
// the device, as CUDA's kernel asserts on the device: checking it here would cost a device sync.
#include <ATen/ATen.h>
#include <aclnnop/aclnn_embedding.h>
#include <torch/library.h>

#include <vector>

#include "kernels/ascend/aclnn.h"

namespace flagos::ascend {
namespace {

at::Tensor embedding(const at::Tensor& weight, const at::Tensor& indices, c10::SymInt /*padding_idx*/,
                     bool /*scale_grad_by_freq*/, bool /*sparse*/) {
  TORCH_CHECK(weight.dim() == 2, "'weight' must be 2-D");
  TORCH_CHECK(indices.scalar_type() == c10::ScalarType::Long || indices.scalar_type() == c10::ScalarType::Int,
              "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; ",
              "but got ", indices.scalar_type(), " instead (while checking arguments for embedding)");
  std::vector<int64_t> shape(indices.sizes().begin(), indices.sizes().end());
  shape.push_back(weight.size(1));
  at::Tensor out = at::empty(shape, weight.options());
  if (out.numel() == 0) return out;
  const at::Tensor idx = indices.device() == weight.device() ? indices : indices.to(weight.device());
  AclTensor w(weight), i(idx), o(out);
  FLAGOS_ACLNN(Embedding, w.get(), i.get(), o.get());
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse2, m) { m.impl("embedding", TORCH_FN(embedding)); }

}  // namespace flagos::ascend
