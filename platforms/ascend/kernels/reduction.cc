// Reductions through aclnn: mean.dim -> aclnnMean. The output's shape and dtype follow ATen's
// rules (dims wrapped and checked as ATen does, an empty or absent dim list reducing every
// dimension, keepdim, the optional dtype); aclnn gets the reduced dimensions spelled out.
#include <ATen/ATen.h>
#include <ATen/WrapDimUtilsMulti.h>
#include <aclnnop/aclnn_mean.h>
#include <torch/library.h>

#include <optional>
#include <vector>

#include "platforms/ascend/kernels/aclnn.h"

namespace flagos::ascend {
namespace {

at::Tensor mean_dim(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                    std::optional<c10::ScalarType> dtype) {
  // ATen computes in the requested dtype, else in self's (integers: no mean without a dtype).
  const c10::ScalarType compute = dtype.value_or(self.scalar_type());
  TORCH_CHECK(c10::isFloatingType(compute) || c10::isComplexType(compute),
              "mean(): could not infer output dtype. ", dtype ? "Optional" : "Input",
              " dtype must be either a floating point or complex dtype. Got: ", compute);
  const int64_t ndim = self.dim();
  const bool all = !dim.has_value() || dim->empty();
  const auto mask = all ? at::dim_list_to_bitset(std::nullopt, static_cast<size_t>(ndim))
                        : at::dim_list_to_bitset(dim, static_cast<size_t>(ndim));  // wraps, refuses repeats
  std::vector<int64_t> reduced, shape;
  for (int64_t d = 0; d < ndim; ++d) {
    if (mask[static_cast<size_t>(d)]) {
      reduced.push_back(d);
      if (keepdim) shape.push_back(1);
    } else {
      shape.push_back(self.size(d));
    }
  }
  at::Tensor out = at::empty(shape, self.options().dtype(compute));
  if (out.numel() == 0) return out;
  // A mean over no elements (a reduced dimension of size 0) is NaN: aclnn fills it so.
  AclTensor a(self), o(out);
  AclIntArray dims(reduced);
  FLAGOS_ACLNN(Mean, a.get(), dims.get(), keepdim, acl_dtype(compute), o.get());
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse2, m) { m.impl("mean.dim", TORCH_FN(mean_dim)); }

}  // namespace flagos::ascend
