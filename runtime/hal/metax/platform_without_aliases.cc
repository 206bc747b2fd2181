// The metax platform's side of runtime/core/platform.h for --config=metax-synthetic: stock PyTorch,
// so no ATen device reads MetaX memory and the platform runs as ascend does (shared parts:
// runtime/core/pool_platform.cc and runtime/core/opaque_platform.cc). Copies move bytes through
// the MACA HAL, operators run on the cpu provider. The metax platform proper presents flagos
// memory to MetaX's PyTorch build (whose cuda device is the MetaX GPU) as native aliases; that
// glue needs that build (platforms/README.md).
#include "runtime/core/platform.h"

namespace flagos::platform {

// No device kernel of flagos' own: the staged copy does every conversion.
bool copy_fast_path(const at::Tensor& /*src*/, const at::Tensor& /*dst*/) { return false; }

}  // namespace flagos::platform
