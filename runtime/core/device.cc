#include "runtime/core/device.h"

#include <c10/util/Exception.h>

#include <atomic>

#include "runtime/core/hal_check.h"

namespace flagos {

c10::DeviceIndex device_count() {
  // The count cannot change while the process runs: cached after the first success (a lock-free
  // read on every later call). A failure is not cached, so its error stays visible on every call.
  static std::atomic<int> cached{-1};
  const int known = cached.load(std::memory_order_acquire);
  if (known >= 0) return static_cast<c10::DeviceIndex>(known);
  int n = 0;
  // A failure here is the platform's configuration (an environment variable, a missing driver):
  // the HAL's own words say what and how to fix it; the name of the HAL call would only distract.
  const flagos_hal_status status = flagos_hal_get_device_count(&n);
  TORCH_CHECK(status == FLAGOS_HAL_SUCCESS, "flagos (", flagos_hal_platform(), " platform): ", flagos_hal_last_error());
  cached.store(n, std::memory_order_release);
  return static_cast<c10::DeviceIndex>(n);
}

c10::DeviceIndex device_count_or_zero() noexcept {
  try {
    return device_count();
  } catch (...) {
    return 0;
  }
}

// Spelled here rather than by c10::Device::str(): PyTorch learns the name "flagos" only when the
// Python package renames PrivateUse1, and the runtime's messages must say flagos regardless.
std::string device_name(c10::DeviceIndex index) { return "flagos:" + std::to_string(index); }

void check_device_index(c10::DeviceIndex index) {
  const c10::DeviceIndex count = device_count();
  TORCH_CHECK(index >= 0 && index < count, "flagos: invalid device index ", static_cast<int>(index), ": ",
              static_cast<int>(count), " flagos device(s) available, flagos:0 to flagos:", static_cast<int>(count) - 1,
              " (", flagos_hal_device_count_source(), ")");
}

c10::DeviceIndex current_device() {
  int device = 0;
  FLAGOS_HAL_CHECK(flagos_hal_get_device(&device));
  return static_cast<c10::DeviceIndex>(device);
}

void set_device(c10::DeviceIndex index) {
  check_device_index(index);
  FLAGOS_HAL_CHECK(flagos_hal_set_device(index));
}

c10::Device resolve(c10::Device device) {
  TORCH_CHECK(device.type() == kDeviceType, "flagos: expected a flagos device, got ", device.str());
  if (!device.has_index()) return c10::Device(kDeviceType, current_device());
  check_device_index(device.index());
  return device;
}

}  // namespace flagos
