// The ascend platform's streams (runtime/core/streams.h): flagos' own pool of HAL streams per device
// and a thread-local current stream (runtime/platform/hal_streams.h).
#include "runtime/core/streams.h"

#include "runtime/platform/hal_streams.h"

namespace flagos {

flagos_hal_stream hal_stream(const c10::Stream& stream) { return hal_streams::hal_stream(stream); }
c10::Stream default_stream(c10::DeviceIndex device) { return hal_streams::default_stream(device); }
c10::Stream pool_stream(c10::DeviceIndex device, bool high) { return hal_streams::pool_stream(device, high); }
c10::Stream current_stream(c10::DeviceIndex device) { return hal_streams::current_stream(device); }
c10::Stream exchange_stream(const c10::Stream& stream) { return hal_streams::exchange_stream(stream); }

}  // namespace flagos
