// Backward normalisations of the SYNTHETIC stand-in libopapi.so: aclnnSoftmaxBackward,
// aclnnRmsNormGrad and aclnnLayerNormBackward
// (include/aclnnop/aclnn_{softmax_backward,rms_norm_grad,layer_norm_backward}.h). Floating dtypes
// only (inputs and outputs may differ: the gradients are rounded once into their outputs' dtypes);
// computed in double from the tensors as given (the forward's statistics, as aclnn uses them).
#include <optional>
#include <string>
#include <vector>

#include "aclnn_stub_internal.h"
#include "aclnnop/aclnn_layer_norm_backward.h"
#include "aclnnop/aclnn_rms_norm_grad.h"
#include "aclnnop/aclnn_softmax_backward.h"

using namespace flagos_synthetic::aclnn_stub;

namespace {

std::vector<int64_t> head(const std::vector<int64_t>& shape, size_t n) {
  return std::vector<int64_t>(shape.begin(), shape.begin() + static_cast<std::ptrdiff_t>(n));
}

std::vector<int64_t> tail(const std::vector<int64_t>& shape, size_t from) {
  return std::vector<int64_t>(shape.begin() + static_cast<std::ptrdiff_t>(from), shape.end());
}

std::optional<aclTensor> copy_of(const aclTensor* t) { return t ? std::optional<aclTensor>(*t) : std::nullopt; }

}  // namespace

extern "C" {

aclnnStatus aclnnSoftmaxBackwardGetWorkspaceSize(const aclTensor* gradOutput, const aclTensor* output, int64_t dim,
                                                 aclTensor* out, uint64_t* workspaceSize, aclOpExecutor** executor) {
  Prepare p("aclnnSoftmaxBackward", 0, workspaceSize, executor,
            {tensor_arg(gradOutput, "gradOutput", kFloating), tensor_arg(output, "output", kFloating),
             tensor_arg(out, "out", kFloating | kWritten)});
  if (!p.ok()) return p.status();
  const std::vector<int64_t>& shape = gradOutput->shape;
  if (output->shape != shape || out->shape != shape) {
    return p.invalid("gradOutput " + shape_str(shape) + ", output " + shape_str(output->shape) + " and out " +
                     shape_str(out->shape) + " must have one shape");
  }
  if (output->dtype != gradOutput->dtype) {
    return p.invalid(std::string("output is ") + dtype_name(output->dtype) + ", expected gradOutput's dtype " +
                     dtype_name(gradOutput->dtype));
  }
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t span = rank > 0 ? rank : 1;  // a 0-d tensor has one dimension to name (0 or -1)
  if (dim < -span || dim >= span) {
    return p.invalid("dim " + std::to_string(dim) + " is out of range for a " + std::to_string(rank) + "-D tensor");
  }
  const size_t d = static_cast<size_t>(dim < 0 ? dim + span : dim);
  const int64_t length = rank > 0 ? shape[d] : 1;
  const int64_t outer = rank > 0 ? numel(head(shape, d)) : 1;
  const int64_t inner = rank > 0 ? numel(tail(shape, d + 1)) : 1;
  return p.finish(kSoftmaxBackwardWorkspace, [g_t = *gradOutput, y_t = *output, o_t = *out, length, outer,
                                              inner](const Job&) {
    std::vector<double> g = gather(g_t);
    const std::vector<double> y = gather(y_t);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t base = o * length * inner + i;  // elements base + l * inner
        double dot = 0;
        for (int64_t l = 0; l < length; ++l) dot += g[base + l * inner] * y[base + l * inner];
        for (int64_t l = 0; l < length; ++l) g[base + l * inner] = y[base + l * inner] * (g[base + l * inner] - dot);
      }
    }
    scatter(o_t, g);
  });
}

aclnnStatus aclnnSoftmaxBackward(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                 aclrtStream stream) {
  return launch("aclnnSoftmaxBackward", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnRmsNormGradGetWorkspaceSize(const aclTensor* dy, const aclTensor* x, const aclTensor* rstd,
                                             const aclTensor* gamma, const aclTensor* dxOut,
                                             const aclTensor* dgammaOut, uint64_t* workspaceSize,
                                             aclOpExecutor** executor) {
  Prepare p("aclnnRmsNormGrad", 0, workspaceSize, executor,
            {tensor_arg(dy, "dy", kFloating), tensor_arg(x, "x", kFloating), tensor_arg(rstd, "rstd", kFloating),
             tensor_arg(gamma, "gamma", kFloating), tensor_arg(dxOut, "dxOut", kFloating | kWritten),
             tensor_arg(dgammaOut, "dgammaOut", kFloating | kWritten)});
  if (!p.ok()) return p.status();
  const std::vector<int64_t>& shape = x->shape;
  if (dy->shape != shape) {
    return p.invalid("dy is " + shape_str(dy->shape) + ", expected x's shape " + shape_str(shape));
  }
  if (gamma->shape.empty() || gamma->shape.size() > shape.size() ||
      tail(shape, shape.size() - gamma->shape.size()) != gamma->shape) {
    return p.invalid("x " + shape_str(shape) + " does not end with gamma's shape " + shape_str(gamma->shape));
  }
  const size_t axis = shape.size() - gamma->shape.size();
  // One rstd per row: the leading dims of x, with or without the trailing ones aclnnRmsNorm writes.
  std::vector<int64_t> stats = head(shape, axis);
  const bool leading_only = rstd->shape == stats;
  stats.resize(shape.size(), 1);
  if (!leading_only && rstd->shape != stats) {
    return p.invalid("rstd is " + shape_str(rstd->shape) + ", expected " + shape_str(head(shape, axis)) + " or " +
                     shape_str(stats));
  }
  if (dxOut->shape != shape) {
    return p.invalid("dxOut is " + shape_str(dxOut->shape) + ", expected x's shape " + shape_str(shape));
  }
  if (dgammaOut->shape != gamma->shape) {
    return p.invalid("dgammaOut is " + shape_str(dgammaOut->shape) + ", expected gamma's shape " +
                     shape_str(gamma->shape));
  }
  const int64_t rows = numel(head(shape, axis)), width = numel(gamma->shape);
  return p.finish(kRmsNormGradWorkspace, [dy_t = *dy, x_t = *x, r_t = *rstd, g_t = *gamma, dx_t = *dxOut,
                                          dg_t = *dgammaOut, rows, width](const Job&) {
    const std::vector<double> grad = gather(dy_t), g = gather(g_t), rstd = gather(r_t);
    std::vector<double> v = gather(x_t), dgamma(static_cast<size_t>(width), 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      double* row = v.data() + r * width;  // x, then dx in its place
      const double* dyr = grad.data() + r * width;
      const double inv = rstd[static_cast<size_t>(r)];
      double dot = 0;
      for (int64_t j = 0; j < width; ++j) {
        const double xhat = row[j] * inv;
        dot += dyr[j] * g[static_cast<size_t>(j)] * xhat;
        dgamma[static_cast<size_t>(j)] += dyr[j] * xhat;
      }
      const double mean = dot / static_cast<double>(width);
      for (int64_t j = 0; j < width; ++j) row[j] = inv * (dyr[j] * g[static_cast<size_t>(j)] - row[j] * inv * mean);
    }
    scatter(dx_t, v);
    scatter(dg_t, dgamma);
  });
}

aclnnStatus aclnnRmsNormGrad(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnRmsNormGrad", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnLayerNormBackwardGetWorkspaceSize(
    const aclTensor* gradOut, const aclTensor* input, const aclIntArray* normalizedShape, const aclTensor* mean,
    const aclTensor* rstd, const aclTensor* weightOptional, const aclTensor* biasOptional,
    const aclBoolArray* outputMask, aclTensor* gradInputOut, aclTensor* gradWeightOut, aclTensor* gradBiasOut,
    uint64_t* workspaceSize, aclOpExecutor** executor) {
  // The mask first, if live (Prepare refuses a NULL or dead one): which outputs are required.
  const bool live = live_bool_array(outputMask);
  const bool m0 = live && outputMask->values.size() > 0 && outputMask->values[0];
  const bool m1 = live && outputMask->values.size() > 1 && outputMask->values[1];
  const bool m2 = live && outputMask->values.size() > 2 && outputMask->values[2];
  Prepare p("aclnnLayerNormBackward", 0, workspaceSize, executor,
            {tensor_arg(gradOut, "gradOut", kFloating), tensor_arg(input, "input", kFloating),
             int_array_arg(normalizedShape, "normalizedShape"), tensor_arg(mean, "mean", kFloating),
             tensor_arg(rstd, "rstd", kFloating), tensor_arg(weightOptional, "weightOptional", kFloating | kOptional),
             tensor_arg(biasOptional, "biasOptional", kFloating | kOptional), bool_array_arg(outputMask, "outputMask"),
             tensor_arg(gradInputOut, "gradInputOut", kFloating | kWritten | (m0 ? 0u : kOptional)),
             tensor_arg(gradWeightOut, "gradWeightOut", kFloating | kWritten | (m1 ? 0u : kOptional)),
             tensor_arg(gradBiasOut, "gradBiasOut", kFloating | kWritten | (m2 ? 0u : kOptional))});
  if (!p.ok()) return p.status();
  if (outputMask->values.size() != 3) {
    return p.invalid("outputMask has " + std::to_string(outputMask->values.size()) + " elements, expected 3");
  }
  const std::vector<int64_t>& shape = input->shape;
  const std::vector<int64_t>& norm = normalizedShape->values;
  if (norm.empty() || norm.size() > shape.size() || tail(shape, shape.size() - norm.size()) != norm) {
    return p.invalid("input " + shape_str(shape) + " does not end with normalizedShape " + shape_str(norm));
  }
  if (gradOut->shape != shape) {
    return p.invalid("gradOut is " + shape_str(gradOut->shape) + ", expected input's shape " + shape_str(shape));
  }
  const size_t axis = shape.size() - norm.size();
  std::vector<int64_t> stats = head(shape, axis);
  const std::vector<int64_t> leading = stats;
  stats.resize(shape.size(), 1);
  for (const aclTensor* t : {mean, rstd}) {
    if (t->shape != stats && t->shape != leading) {
      return p.invalid(std::string(t == mean ? "mean" : "rstd") + " is " + shape_str(t->shape) + ", expected " +
                       shape_str(leading) + " or " + shape_str(stats));
    }
  }
  for (const aclTensor* t : {weightOptional, biasOptional}) {
    if (t && t->shape != norm) {
      return p.invalid(std::string(t == weightOptional ? "weightOptional" : "biasOptional") + " is " +
                       shape_str(t->shape) + ", expected normalizedShape " + shape_str(norm));
    }
  }
  if (m0 && gradInputOut->shape != shape) {
    return p.invalid("gradInputOut is " + shape_str(gradInputOut->shape) + ", expected input's shape " +
                     shape_str(shape));
  }
  for (const aclTensor* t : {m1 ? gradWeightOut : nullptr, m2 ? gradBiasOut : nullptr}) {
    if (t && t->shape != norm) {
      return p.invalid(std::string(t == gradWeightOut ? "gradWeightOut" : "gradBiasOut") + " is " +
                       shape_str(t->shape) + ", expected normalizedShape " + shape_str(norm));
    }
  }
  const int64_t rows = numel(leading), width = numel(norm);
  std::optional<aclTensor> w = copy_of(weightOptional), dx = m0 ? copy_of(gradInputOut) : std::nullopt,
                           dw = m1 ? copy_of(gradWeightOut) : std::nullopt,
                           db = m2 ? copy_of(gradBiasOut) : std::nullopt;
  return p.finish(kLayerNormBackwardWorkspace, [dy_t = *gradOut, x_t = *input, mean_t = *mean, r_t = *rstd, w, dx,
                                                dw, db, rows, width](const Job&) {
    const std::vector<double> grad = gather(dy_t), mu = gather(mean_t), rs = gather(r_t);
    const std::vector<double> g = w ? gather(*w) : std::vector<double>(static_cast<size_t>(width), 1.0);
    std::vector<double> v = gather(x_t), dgamma(static_cast<size_t>(width), 0.0), dbeta(dgamma);
    for (int64_t r = 0; r < rows; ++r) {
      double* row = v.data() + r * width;  // x, then xhat, then dx in its place
      const double* dyr = grad.data() + r * width;
      const double inv = rs[static_cast<size_t>(r)];
      double sum_gw = 0, sum_gw_xhat = 0;
      for (int64_t j = 0; j < width; ++j) {
        row[j] = (row[j] - mu[static_cast<size_t>(r)]) * inv;
        const double gw = dyr[j] * g[static_cast<size_t>(j)];
        sum_gw += gw;
        sum_gw_xhat += gw * row[j];
        dgamma[static_cast<size_t>(j)] += dyr[j] * row[j];
        dbeta[static_cast<size_t>(j)] += dyr[j];
      }
      const double n = static_cast<double>(width);
      for (int64_t j = 0; j < width; ++j) {
        row[j] = inv * (dyr[j] * g[static_cast<size_t>(j)] - sum_gw / n - row[j] * sum_gw_xhat / n);
      }
    }
    if (dx) scatter(*dx, v);
    if (dw) scatter(*dw, dgamma);
    if (db) scatter(*db, dbeta);
  });
}

aclnnStatus aclnnLayerNormBackward(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                   aclrtStream stream) {
  return launch("aclnnLayerNormBackward", workspace, workspaceSize, executor, stream);
}

}  // extern "C"
