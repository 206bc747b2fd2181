#include "runtime/core/hal_check.h"

#include <c10/util/Exception.h>

#include <string>

#include "runtime/hal/fork_locks.h"

namespace flagos {

void throw_hal_error(flagos_hal_status status, const char* call) {
  std::string message = std::string("flagos (") + flagos_hal_platform() + " platform): " + call + " failed: " +
                        flagos_hal_status_name(status) + ": " + flagos_hal_last_error();
  const std::string bad_fork = fork_locks::bad_fork_reason();
  if (!bad_fork.empty()) message = bad_fork + " (" + message + ")";
  if (status == FLAGOS_HAL_ERROR_OUT_OF_MEMORY) {
    TORCH_CHECK_WITH(OutOfMemoryError, false, message);
  }
  TORCH_CHECK(false, message);
}

}  // namespace flagos
