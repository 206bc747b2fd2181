// Switching the flagos current device for the length of a native call (the NativeScope of the
// platforms whose native side is the host: host, ascend, metax on the synthetic SDK), so that
// flagos memory allocated meanwhile lands on the call's device and platform kernels issue work to it.
#pragma once

#include <c10/core/Device.h>

#include "runtime/core/device.h"
#include "runtime/hal/flagos_hal.h"

namespace flagos::device_switch {

// Makes `index` current; returns the device to restore afterwards, -1 when it was current already.
inline c10::DeviceIndex enter(c10::DeviceIndex index) {
  const c10::DeviceIndex current = current_device();
  if (current == index) return -1;
  set_device(index);
  return current;
}

// Restores what enter() returned. Never throws (it runs in destructors): a failed switch back
// leaves the device as it is, and the next call that needs a particular device switches again.
inline void leave(c10::DeviceIndex previous) noexcept {
  if (previous >= 0) (void)flagos_hal_set_device(previous);
}

}  // namespace flagos::device_switch
