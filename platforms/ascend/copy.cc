// The ascend platform's device copies (runtime/core/platform.h): copies on one NPU run
// aclnnInplaceCopy (platforms/ascend/kernels/copy.h); copies between host and NPU move bytes
// through the ACL HAL (runtime/ops/staged_copy.h).
#include "platforms/ascend/kernels/copy.h"
#include "runtime/core/platform.h"

namespace flagos::platform {

bool copy_fast_path(const at::Tensor& src, const at::Tensor& dst) {
  const NativeScope scope(dst.device().index());
  return ascend::copy(src, dst);
}

}  // namespace flagos::platform
