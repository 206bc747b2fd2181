// Embedding lookup through aclnnEmbedding (padding_idx, scale_grad_by_freq and sparse matter only
// to the backward) and its dense backward, embedding_dense_backward -> aclnnEmbeddingDenseBackward
// (the gradient rows summed per index; the padding_idx row zero; scale_grad_by_freq divides each
// contribution by its index's count). An index out of range is aclnn's to report, on the device, as
// CUDA's kernel asserts on the device: checking it here would cost a device sync.
#include <ATen/ATen.h>
#include <aclnnop/aclnn_embedding.h>
#include <aclnnop/aclnn_embedding_dense_backward.h>
#include <torch/library.h>

#include <vector>

#include "platforms/ascend/kernels/aclnn.h"

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

// The weight's gradient, [num_weights, grad_output.size(-1)] in grad_output's dtype. aclnn takes
// grad as rows (2-D: one per index) and paddingIdx as an unsigned value where negative means none:
// ATen's padding_idx -1 (none) passes as all ones.
at::Tensor embedding_dense_backward(const at::Tensor& grad_output, const at::Tensor& indices, c10::SymInt num_weights,
                                    c10::SymInt padding_idx, bool scale_grad_by_freq) {
  TORCH_CHECK(indices.scalar_type() == c10::ScalarType::Long || indices.scalar_type() == c10::ScalarType::Int,
              "Expected tensor for argument #2 'indices' to have one of the following scalar types: Long, Int; ",
              "but got ", indices.scalar_type(), " instead (while checking arguments for embedding_backward)");
  TORCH_CHECK(grad_output.dim() >= 1, "embedding_dense_backward: grad_output must have at least one dimension");
  const int64_t weights = num_weights.guard_int(__FILE__, __LINE__);
  const int64_t width = grad_output.size(-1);
  TORCH_CHECK(grad_output.numel() == indices.numel() * width, "embedding_dense_backward: grad_output of shape ",
              grad_output.sizes(), " does not hold one row per index of indices of shape ", indices.sizes());
  const at::Tensor grad_rows = grad_output.reshape({indices.numel(), width});
  if (grad_rows.numel() == 0 || weights == 0) {
    return at::zeros({weights, width}, grad_output.options().device(c10::kCPU)).to(grad_output.device());
  }
  at::Tensor out = at::empty({weights, width}, grad_output.options());
  const at::Tensor idx = (indices.device() == grad_output.device() ? indices : indices.to(grad_output.device()))
                             .reshape({indices.numel()});
  const int64_t padding = padding_idx.guard_int(__FILE__, __LINE__);
  AclTensor g(grad_rows), i(idx), o(out);
  FLAGOS_ACLNN(EmbeddingDenseBackward, g.get(), i.get(), static_cast<uint64_t>(weights),
               static_cast<uint64_t>(padding), scale_grad_by_freq, o.get());
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse2, m) {
  m.impl("embedding", TORCH_FN(embedding));
  m.impl("embedding_dense_backward", TORCH_FN(embedding_dense_backward));
}

}  // namespace flagos::ascend
