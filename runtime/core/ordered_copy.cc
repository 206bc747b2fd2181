#include "runtime/core/ordered_copy.h"

#include "runtime/core/hal_check.h"
#include "runtime/core/streams.h"

namespace flagos {

void ordered_copy(void* dst, const void* src, size_t bytes, flagos_hal_copy_kind kind, c10::DeviceIndex device) {
  if (bytes == 0) return;
  const flagos_hal_stream stream = hal_stream(current_stream(device));
  FLAGOS_HAL_CHECK(flagos_hal_memcpy_async(dst, src, bytes, kind, stream));
  FLAGOS_HAL_CHECK(flagos_hal_stream_synchronize(stream));
}

}  // namespace flagos
