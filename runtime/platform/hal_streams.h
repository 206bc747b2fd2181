// Building block for platforms whose streams are flagos' own (host, ascend, metax): runtime/core/
// streams.h over the HAL, a lazily created pool of HAL streams per device and a thread-local current
// stream. Each such platform's streams.cc implements streams.h by calling these. (cuda maps streams.h
// onto c10::cuda's streams instead, so flagos and torch.cuda share them.)
#pragma once

#include <c10/core/Stream.h>

#include "runtime/core/streams.h"
#include "runtime/hal/flagos_hal.h"

namespace flagos::hal_streams {

flagos_hal_stream hal_stream(const c10::Stream& stream);
c10::Stream default_stream(c10::DeviceIndex device);
c10::Stream pool_stream(c10::DeviceIndex device, bool high_priority);
c10::Stream current_stream(c10::DeviceIndex device);
c10::Stream exchange_stream(const c10::Stream& stream);

}  // namespace flagos::hal_streams
