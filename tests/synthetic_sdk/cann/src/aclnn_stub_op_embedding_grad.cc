// aclnnEmbeddingDenseBackward of the SYNTHETIC stand-in libopapi.so
// (include/aclnnop/aclnn_embedding_dense_backward.h): the rows of grad summed into out by index,
// computed in double and rounded once into out's dtype. Indices are read when the stream runs the
// operator (they live in device memory); one outside [0, numWeights) contributes nothing (a real
// device reports it or not: the stand-in cannot fail a job).
#include <string>
#include <vector>

#include "aclnn_stub_internal.h"
#include "aclnnop/aclnn_embedding_dense_backward.h"

using namespace flagos_synthetic::aclnn_stub;

extern "C" {

aclnnStatus aclnnEmbeddingDenseBackwardGetWorkspaceSize(const aclTensor* grad, const aclTensor* indices,
                                                        uint64_t numWeights, uint64_t paddingIdx,
                                                        bool scaleGradByFreq, const aclTensor* out,
                                                        uint64_t* workspaceSize, aclOpExecutor** executor) {
  Prepare p("aclnnEmbeddingDenseBackward", scaleGradByFreq ? 1u : 0u, workspaceSize, executor,
            {tensor_arg(grad, "grad", kFloating), tensor_arg(indices, "indices", kIndex),
             tensor_arg(out, "out", kFloating | kWritten)});
  if (!p.ok()) return p.status();
  const int64_t rows = numel(indices->shape);
  if (grad->shape.size() < 2) {
    return p.invalid("grad is " + shape_str(grad->shape) + ", expected 2 to 8 dimensions");
  }
  const int64_t width = grad->shape.back();
  if (numel(grad->shape) != rows * width) {
    return p.invalid("grad " + shape_str(grad->shape) + " does not hold one row of " + std::to_string(width) +
                     " per index of indices " + shape_str(indices->shape));
  }
  const auto weights = static_cast<int64_t>(numWeights);
  if (weights < 0) return p.invalid("numWeights " + std::to_string(numWeights) + " is too large");
  if (out->shape != std::vector<int64_t>{weights, width}) {
    return p.invalid("out is " + shape_str(out->shape) + ", expected [numWeights, grad's last dim] " +
                     shape_str({weights, width}));
  }
  if (out->dtype != grad->dtype) {
    return p.invalid(std::string("out is ") + dtype_name(out->dtype) + ", expected grad's dtype " +
                     dtype_name(grad->dtype));
  }
  const auto padding = static_cast<int64_t>(paddingIdx);  // negative: no padding row
  return p.finish(kEmbeddingDenseBackwardWorkspace, [g_t = *grad, i_t = *indices, o_t = *out, rows, width, weights,
                                                     padding, scaleGradByFreq](const Job&) {
    const std::vector<double> g = gather(g_t), idx = gather(i_t);
    std::vector<double> counts(static_cast<size_t>(weights), 0.0);
    for (double i : idx) {
      if (i >= 0 && i < static_cast<double>(weights)) counts[static_cast<size_t>(i)] += 1;
    }
    std::vector<double> result(static_cast<size_t>(weights * width), 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      const auto i = static_cast<int64_t>(idx[static_cast<size_t>(r)]);
      if (i < 0 || i >= weights || i == padding) continue;
      const double scale = scaleGradByFreq ? 1.0 / counts[static_cast<size_t>(i)] : 1.0;
      for (int64_t j = 0; j < width; ++j) result[static_cast<size_t>(i * width + j)] += g[r * width + j] * scale;
    }
    scatter(o_t, result);
  });
}

aclnnStatus aclnnEmbeddingDenseBackward(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                        aclrtStream stream) {
  return launch("aclnnEmbeddingDenseBackward", workspace, workspaceSize, executor, stream);
}

}  // extern "C"
