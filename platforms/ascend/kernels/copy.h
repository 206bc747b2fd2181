// Device-side copies on the ascend platform (platform::copy_fast_path).
#pragma once

#include <ATen/Tensor.h>

namespace flagos::ascend {

// dst.copy_(src) for two flagos tensors on the same NPU through aclnnInplaceCopy (dtype
// conversion, strides and broadcasting on the device, on the current stream). False, doing
// nothing, where aclnn cannot take the case (conjugate/negative views, overlapping memory, dtypes
// aclnn lacks): the staged copy through the host handles those.
bool copy(const at::Tensor& src, const at::Tensor& dst);

}  // namespace flagos::ascend
