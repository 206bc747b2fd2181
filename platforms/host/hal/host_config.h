// Configuration and shared state of the host HAL (internal to platforms/host/hal).
#pragma once

#include <cstddef>
#include <string>

#include "runtime/hal/common/hal_common.h"
#include "runtime/hal/flagos_hal.h"

namespace flagos::hal_host {

// Read once from the environment:
//   FLAGOS_HOST_DEVICE_COUNT  number of simulated devices (1..64, default 1)
//   FLAGOS_HOST_MEMORY_LIMIT  capacity of each simulated device: bytes, or a number with a
//                             K/M/G/T (powers of 1024) suffix; default: the machine's RAM
struct Config {
  int device_count = 1;
  size_t memory_limit = 0;
  bool memory_limit_from_env = false;
  std::string error;  // non-empty when a variable is malformed: every call that takes or counts
                      // devices (device count, set_device, malloc, streams, events...) fails with it
};

const Config& config();

// Parses "512", "64M", "1.5GiB"... into bytes; false when malformed.
bool parse_size(const std::string& text, size_t* bytes);

using flagos::hal::fail;  // records this thread's last error and returns the status

// SUCCESS when the configuration is valid and `device` names a simulated device.
flagos_hal_status check_device(int device);

}  // namespace flagos::hal_host
