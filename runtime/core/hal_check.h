// Turns HAL statuses into exceptions that say which call failed and why.
#pragma once

#include "runtime/hal/flagos_hal.h"

namespace flagos {

// Throws c10::OutOfMemoryError for FLAGOS_HAL_ERROR_OUT_OF_MEMORY, c10::Error otherwise; the
// message names the HAL call, the platform, the status and the HAL's detail.
[[noreturn]] void throw_hal_error(flagos_hal_status status, const char* call);

inline void hal_check(flagos_hal_status status, const char* call) {
  if (status != FLAGOS_HAL_SUCCESS) throw_hal_error(status, call);
}

}  // namespace flagos

// FLAGOS_HAL_CHECK(flagos_hal_malloc(device, n, &p));
#define FLAGOS_HAL_CHECK(expr) ::flagos::hal_check((expr), #expr)
