// The parts of runtime/core/platform.h that are the same on every platform whose device memory no
// ATen device can read (ascend; metax on the synthetic SDK, without MetaX's PyTorch): no native
// aliases, and a NativeScope that only makes the call's flagos device current (the cpu provider
// and the platform's own kernels run from the host). Each such platform adds copy_fast_path.
#include <c10/core/Allocator.h>
#include <c10/util/Exception.h>

#include "runtime/core/device.h"
#include "runtime/core/platform.h"
#include "runtime/hal/flagos_hal.h"

namespace flagos::platform {

bool native_aliases_readable() { return false; }

c10::Allocator* native_alias_allocator() {
  TORCH_CHECK(false, "flagos: the ", flagos_hal_platform(), " platform has no native aliases (ATen cannot read ",
              "its device memory)");
}

// The flagos current device follows the call's, so that flagos memory allocated meanwhile lands on
// the right device and platform kernels issue work to it.
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
