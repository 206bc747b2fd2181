// Copies on platforms whose device memory ATen cannot read (platform::native_aliases_readable()
// is false: ascend). Bytes cross between host and device only through the HAL, on the current
// flagos stream of each flagos side; everything a copy does beyond moving bytes (dtype conversion,
// strides, broadcasting, conjugate and negative bits) is ATen's CPU copy on host images of the
// flagos sides. Synchronous (a non_blocking request is honoured by being complete on return).
#pragma once

#include <ATen/Tensor.h>

namespace flagos::staged {

// dst.copy_(src) where at least one side is a flagos tensor.
void copy(const at::Tensor& src, const at::Tensor& dst);

}  // namespace flagos::staged
