// The ascend platform's side of runtime/core/platform.h (the allocator, generator and pinned-memory
// parts are runtime/core/pool_platform.cc, shared with the host platform).
//
// No ATen device can read NPU memory (and torch_npu, which has NPU kernels, takes the PrivateUse1
// key flagos itself takes), so there are no native aliases here: native_aliases_readable() is
// false, copies between host and NPU move bytes through the ACL HAL (runtime/ops/staged_copy.h),
// copies on one NPU run aclnnInplaceCopy (kernels/ascend/copy.h), the native provider is the aclnn
// kernel table of kernels/ascend, other operators run on the cpu provider, and random numbers
// come from a CPU generator (the cpu provider draws them there).
#include <c10/core/Allocator.h>
#include <c10/util/Exception.h>

#include "kernels/ascend/copy.h"
#include "runtime/core/device.h"
#include "runtime/core/platform.h"
#include "runtime/hal/flagos_hal.h"

namespace flagos::platform {

bool native_aliases_readable() { return false; }

bool copy_fast_path(const at::Tensor& src, const at::Tensor& dst) {
  const NativeScope scope(dst.device().index());
  return ascend::copy(src, dst);
}

c10::Allocator* native_alias_allocator() {
  TORCH_CHECK(false, "flagos: the ascend platform has no native aliases (ATen cannot read NPU memory)");
}

// Kernels of the cpu provider run on the host; the flagos current device follows the call's, so
// that flagos memory allocated meanwhile lands on the right NPU.
NativeScope::NativeScope(c10::DeviceIndex index) : saved_{-1, 0, 0, 0} {
  const c10::DeviceIndex current = current_device();
  if (current != index) {
    saved_[0] = current;
    set_device(index);
  }
}

NativeScope::~NativeScope() {
  if (saved_[0] >= 0) (void)flagos_hal_set_device(static_cast<int>(saved_[0]));
}

}  // namespace flagos::platform
