// The ascend platform's side of runtime/core/platform.h: its device-side copies. The rest is shared:
// runtime/core/pool_platform.cc (allocator, CPU generator, pinned memory) and
// runtime/core/opaque_platform.cc (no native aliases).
//
// No ATen device can read NPU memory (and torch_npu, which has NPU kernels, takes the PrivateUse1
// key flagos itself takes), so copies between host and NPU move bytes through the ACL HAL
// (runtime/ops/staged_copy.h), copies on one NPU run aclnnInplaceCopy (kernels/ascend/copy.h),
// the native provider is the aclnn kernel table of kernels/ascend, other operators run on the cpu
// provider, and random numbers come from a CPU generator (the cpu provider draws them there).
#include "kernels/ascend/copy.h"
#include "runtime/core/platform.h"

namespace flagos::platform {

bool copy_fast_path(const at::Tensor& src, const at::Tensor& dst) {
  const NativeScope scope(dst.device().index());
  return ascend::copy(src, dst);
}

}  // namespace flagos::platform
