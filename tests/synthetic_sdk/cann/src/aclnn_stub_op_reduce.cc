// Reductions of the SYNTHETIC stand-in libopapi.so: aclnnMean (include/aclnnop/aclnn_mean.h).
// Summed in double over the reduced dimensions, divided by their element count (a mean over no
// elements is 0 / 0: NaN), rounded to `dtype`, then stored in out's dtype.
#include <string>

#include "aclnn_stub_internal.h"
#include "aclnnop/aclnn_mean.h"

using namespace flagos_synthetic::aclnn_stub;

namespace {

// The result of phase 1's checks: which dimensions of self are reduced, and out's shape.
struct Reduction {
  std::vector<bool> reduced;
  std::vector<int64_t> out_shape;
};

// Checks dim against self's rank (as aclnn does: a 0-d self takes -1 and 0) and derives out's
// shape; "" or the problem.
std::string plan(const std::vector<int64_t>& shape, const std::vector<int64_t>& dim, bool keep, Reduction* r) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t span = rank > 0 ? rank : 1;
  r->reduced.assign(shape.size(), dim.empty());  // an empty dim reduces every dimension
  std::vector<bool> seen(static_cast<size_t>(span), false);
  for (int64_t d : dim) {
    if (d < -span || d >= span) {
      return "dim " + std::to_string(d) + " is out of range [" + std::to_string(-span) + ", " +
             std::to_string(span - 1) + "] for a " + std::to_string(rank) + "-D self";
    }
    const size_t k = static_cast<size_t>(d < 0 ? d + span : d);
    if (seen[k]) return "dim " + std::to_string(d) + " appears more than once";
    seen[k] = true;
    if (rank > 0) r->reduced[k] = true;
  }
  r->out_shape.clear();
  for (size_t k = 0; k < shape.size(); ++k) {
    if (!r->reduced[k]) {
      r->out_shape.push_back(shape[k]);
    } else if (keep) {
      r->out_shape.push_back(1);
    }
  }
  return "";
}

// out[j] = mean of self's elements that map to j (row-major order of the kept dimensions).
std::vector<double> mean(const aclTensor& self, const std::vector<bool>& reduced, int64_t outputs) {
  std::vector<double> sum(static_cast<size_t>(outputs), 0.0);
  const std::vector<double> x = gather(self);
  // Walk self's index space, tracking the output index from the kept dimensions.
  std::vector<int64_t> index(self.shape.size(), 0), kept_stride(self.shape.size(), 0);
  int64_t stride = 1, count = 1;
  for (size_t k = self.shape.size(); k-- > 0;) {
    if (reduced[k]) {
      count *= self.shape[k];
    } else {
      kept_stride[k] = stride;
      stride *= self.shape[k];
    }
  }
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t j = 0;
    for (size_t k = 0; k < index.size(); ++k) j += index[k] * kept_stride[k];
    sum[static_cast<size_t>(j)] += x[i];
    for (size_t k = index.size(); k-- > 0;) {
      if (++index[k] < self.shape[k]) break;
      index[k] = 0;
    }
  }
  for (double& s : sum) s /= static_cast<double>(count);
  return sum;
}

}  // namespace

extern "C" {

aclnnStatus aclnnMeanGetWorkspaceSize(const aclTensor* self, const aclIntArray* dim, bool keepDim, aclDataType dtype,
                                      aclTensor* out, uint64_t* workspaceSize, aclOpExecutor** executor) {
  Prepare p("aclnnMean", static_cast<unsigned>(dtype), workspaceSize, executor,
            {tensor_arg(self, "self"), int_array_arg(dim, "dim"), tensor_arg(out, "out", kWritten)});
  if (!p.ok()) return p.status();
  if (item_size(dtype) == 0) return p.invalid("dtype " + std::to_string(dtype) + " is not supported");
  Reduction r;
  const std::string problem = plan(self->shape, dim->values, keepDim, &r);
  if (!problem.empty()) return p.invalid(problem);
  if (out->shape != r.out_shape) {
    return p.invalid("out is " + shape_str(out->shape) + ", expected " + shape_str(r.out_shape) + " (keepDim " +
                     (keepDim ? "true" : "false") + ")");
  }
  const int64_t outputs = numel(r.out_shape);
  return p.finish(kMeanWorkspace, [a = *self, c = *out, reduced = r.reduced, outputs, dtype](const Job&) {
    std::vector<double> m = mean(a, reduced, outputs);
    unsigned char element[8];
    for (double& v : m) {  // computed in dtype: rounded to it once before out's conversion
      store(dtype, element, v);
      v = load(dtype, element);
    }
    scatter(c, m);
  });
}

aclnnStatus aclnnMean(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnMean", workspace, workspaceSize, executor, stream);
}

}  // extern "C"
