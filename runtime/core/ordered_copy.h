// Byte copies that respect the order of the work already queued on a device.
#pragma once

#include <c10/core/Device.h>

#include <cstddef>

#include "runtime/hal/flagos_hal.h"

namespace flagos {

// Copies `bytes` on the current stream of flagos device `device` and waits for the copy: it sees
// everything queued on that stream before it (kernels that run later, as on an NPU, included)
// and is complete on return. The HAL's plain memcpy promises neither on every platform.
void ordered_copy(void* dst, const void* src, size_t bytes, flagos_hal_copy_kind kind, c10::DeviceIndex device);

}  // namespace flagos
