// The metax platform's device copies (runtime/core/platform.h) on the synthetic SDK: none of its
// own; the staged copy through the MACA HAL (runtime/ops/staged_copy.h) does every conversion.
#include "runtime/core/platform.h"

namespace flagos::platform {

bool copy_fast_path(const at::Tensor& /*src*/, const at::Tensor& /*dst*/) { return false; }

}  // namespace flagos::platform
