// Normalisations of the SYNTHETIC stand-in libopapi.so: aclnnSoftmax, aclnnLayerNorm, aclnnRmsNorm
// (include/aclnnop/aclnn_{softmax,layer_norm,rms_norm}.h). Floating dtypes only (inputs and
// outputs may differ, e.g. float16 in, float32 out); computed in double, rounded once per output.
#include <cmath>
#include <optional>
#include <string>

#include "aclnn_stub_internal.h"
#include "aclnnop/aclnn_layer_norm.h"
#include "aclnnop/aclnn_rms_norm.h"
#include "aclnnop/aclnn_softmax.h"

using namespace flagos_synthetic::aclnn_stub;

namespace {

std::optional<aclTensor> copy_of(const aclTensor* t) { return t ? std::optional<aclTensor>(*t) : std::nullopt; }

std::vector<int64_t> head(const std::vector<int64_t>& shape, size_t axis) {
  return std::vector<int64_t>(shape.begin(), shape.begin() + static_cast<std::ptrdiff_t>(axis));
}

std::vector<int64_t> tail(const std::vector<int64_t>& shape, size_t axis) {
  return std::vector<int64_t>(shape.begin() + static_cast<std::ptrdiff_t>(axis), shape.end());
}

// The shape of per-row statistics (mean, rstd): shape[:axis] followed by ones.
std::vector<int64_t> stat_shape(const std::vector<int64_t>& shape, size_t axis) {
  std::vector<int64_t> s = head(shape, axis);
  s.resize(shape.size(), 1);
  return s;
}

}  // namespace

extern "C" {

aclnnStatus aclnnSoftmaxGetWorkspaceSize(const aclTensor* self, int64_t dim, aclTensor* out, uint64_t* workspaceSize,
                                         aclOpExecutor** executor) {
  Prepare p("aclnnSoftmax", 0, workspaceSize, executor,
            {tensor_arg(self, "self", kFloating), tensor_arg(out, "out", kFloating | kWritten)});
  if (!p.ok()) return p.status();
  const int64_t rank = static_cast<int64_t>(self->shape.size());
  const int64_t span = rank > 0 ? rank : 1;  // a 0-d tensor has one dimension to name (0 or -1)
  if (dim < -span || dim >= span) {
    return p.invalid("dim " + std::to_string(dim) + " is out of range for a " + std::to_string(rank) + "-D tensor");
  }
  if (out->shape != self->shape) {
    return p.invalid("out is " + shape_str(out->shape) + ", expected self's shape " + shape_str(self->shape));
  }
  const size_t d = static_cast<size_t>(dim < 0 ? dim + span : dim);
  const int64_t length = rank > 0 ? self->shape[d] : 1;
  const int64_t outer = rank > 0 ? numel(head(self->shape, d)) : 1;
  const int64_t inner = rank > 0 ? numel(tail(self->shape, d + 1)) : 1;
  return p.finish(kSoftmaxWorkspace, [a = *self, c = *out, length, outer, inner](const Job&) {
    std::vector<double> x = gather(a);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        double* row = x.data() + o * length * inner + i;  // elements row[l * inner]
        double top = -INFINITY;
        for (int64_t l = 0; l < length; ++l) top = std::fmax(top, row[l * inner]);
        double sum = 0;
        for (int64_t l = 0; l < length; ++l) sum += (row[l * inner] = std::exp(row[l * inner] - top));
        for (int64_t l = 0; l < length; ++l) row[l * inner] /= sum;
      }
    }
    scatter(c, x);
  });
}

aclnnStatus aclnnSoftmax(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnSoftmax", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnLayerNormGetWorkspaceSize(const aclTensor* input, const aclIntArray* normalizedShape,
                                           const aclTensor* weightOptional, const aclTensor* biasOptional, double eps,
                                           aclTensor* out, aclTensor* meanOutOptional, aclTensor* rstdOutOptional,
                                           uint64_t* workspaceSize, aclOpExecutor** executor) {
  Prepare p("aclnnLayerNorm", 0, workspaceSize, executor,
            {tensor_arg(input, "input", kFloating), int_array_arg(normalizedShape, "normalizedShape"),
             tensor_arg(weightOptional, "weightOptional", kFloating | kOptional),
             tensor_arg(biasOptional, "biasOptional", kFloating | kOptional),
             tensor_arg(out, "out", kFloating | kWritten),
             tensor_arg(meanOutOptional, "meanOutOptional", kFloating | kWritten | kOptional),
             tensor_arg(rstdOutOptional, "rstdOutOptional", kFloating | kWritten | kOptional)});
  if (!p.ok()) return p.status();
  const std::vector<int64_t>& normalized = normalizedShape->values;
  const std::vector<int64_t>& shape = input->shape;
  if (normalized.empty() || normalized.size() > shape.size() ||
      tail(shape, shape.size() - normalized.size()) != normalized) {
    return p.invalid("input " + shape_str(shape) + " does not end with normalizedShape " + shape_str(normalized));
  }
  const size_t axis = shape.size() - normalized.size();
  const std::pair<const aclTensor*, const char*> affine[] = {{weightOptional, "weightOptional"},
                                                             {biasOptional, "biasOptional"}};
  for (const auto& [t, name] : affine) {
    if (t && t->shape != normalized) {
      return p.invalid(std::string(name) + " is " + shape_str(t->shape) + ", expected normalizedShape " +
                       shape_str(normalized));
    }
  }
  if (out->shape != shape) {
    return p.invalid("out is " + shape_str(out->shape) + ", expected input's shape " + shape_str(shape));
  }
  const std::vector<int64_t> stats = stat_shape(shape, axis);
  const std::pair<const aclTensor*, const char*> outputs[] = {{meanOutOptional, "meanOutOptional"},
                                                              {rstdOutOptional, "rstdOutOptional"}};
  for (const auto& [t, name] : outputs) {
    if (t && t->shape != stats) {
      return p.invalid(std::string(name) + " is " + shape_str(t->shape) + ", expected " + shape_str(stats));
    }
  }
  const int64_t rows = numel(head(shape, axis)), width = numel(normalized);
  return p.finish(kLayerNormWorkspace, [x_t = *input, w_t = copy_of(weightOptional), b_t = copy_of(biasOptional),
                                        y_t = *out, m_t = copy_of(meanOutOptional), r_t = copy_of(rstdOutOptional),
                                        rows, width, eps](const Job&) {
    std::vector<double> x = gather(x_t), mean(static_cast<size_t>(rows)), rstd(static_cast<size_t>(rows));
    const std::vector<double> w = w_t ? gather(*w_t) : std::vector<double>(static_cast<size_t>(width), 1.0);
    const std::vector<double> b = b_t ? gather(*b_t) : std::vector<double>(static_cast<size_t>(width), 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      double* row = x.data() + r * width;
      double sum = 0, squares = 0;
      for (int64_t j = 0; j < width; ++j) sum += row[j];
      const double mu = sum / static_cast<double>(width);
      for (int64_t j = 0; j < width; ++j) squares += (row[j] - mu) * (row[j] - mu);
      const double inv = 1.0 / std::sqrt(squares / static_cast<double>(width) + eps);  // biased variance
      for (int64_t j = 0; j < width; ++j) {
        row[j] = (row[j] - mu) * inv * w[static_cast<size_t>(j)] + b[static_cast<size_t>(j)];
      }
      mean[static_cast<size_t>(r)] = mu;
      rstd[static_cast<size_t>(r)] = inv;
    }
    scatter(y_t, x);
    if (m_t) scatter(*m_t, mean);
    if (r_t) scatter(*r_t, rstd);
  });
}

aclnnStatus aclnnLayerNorm(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnLayerNorm", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnRmsNormGetWorkspaceSize(const aclTensor* x, const aclTensor* gamma, double epsilon,
                                         const aclTensor* yOut, const aclTensor* rstdOut, uint64_t* workspaceSize,
                                         aclOpExecutor** executor) {
  Prepare p("aclnnRmsNorm", 0, workspaceSize, executor,
            {tensor_arg(x, "x", kFloating), tensor_arg(gamma, "gamma", kFloating),
             tensor_arg(yOut, "yOut", kFloating | kWritten), tensor_arg(rstdOut, "rstdOut", kFloating | kWritten)});
  if (!p.ok()) return p.status();
  const std::vector<int64_t>& shape = x->shape;
  if (gamma->shape.empty() || gamma->shape.size() > shape.size() ||
      tail(shape, shape.size() - gamma->shape.size()) != gamma->shape) {
    return p.invalid("x " + shape_str(shape) + " does not end with gamma's shape " + shape_str(gamma->shape));
  }
  const size_t axis = shape.size() - gamma->shape.size();
  if (yOut->shape != shape) {
    return p.invalid("yOut is " + shape_str(yOut->shape) + ", expected x's shape " + shape_str(shape));
  }
  const std::vector<int64_t> stats = stat_shape(shape, axis);
  if (rstdOut->shape != stats) {
    return p.invalid("rstdOut is " + shape_str(rstdOut->shape) + ", expected " + shape_str(stats));
  }
  const int64_t rows = numel(head(shape, axis)), width = numel(gamma->shape);
  return p.finish(kRmsNormWorkspace, [x_t = *x, g_t = *gamma, y_t = *yOut, r_t = *rstdOut, rows, width,
                                      epsilon](const Job&) {
    std::vector<double> v = gather(x_t), rstd(static_cast<size_t>(rows));
    const std::vector<double> g = gather(g_t);
    for (int64_t r = 0; r < rows; ++r) {
      double* row = v.data() + r * width;
      double squares = 0;
      for (int64_t j = 0; j < width; ++j) squares += row[j] * row[j];
      const double inv = 1.0 / std::sqrt(squares / static_cast<double>(width) + epsilon);
      for (int64_t j = 0; j < width; ++j) row[j] *= inv * g[static_cast<size_t>(j)];
      rstd[static_cast<size_t>(r)] = inv;
    }
    scatter(y_t, v);
    scatter(r_t, rstd);
  });
}

aclnnStatus aclnnRmsNorm(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnRmsNorm", workspace, workspaceSize, executor, stream);
}

}  // extern "C"
