// Shared state and helpers of the metax HAL (internal to platforms/metax/hal).
#pragma once

#include <mc_runtime.h>

#include <string>

#include "runtime/hal/common/hal_common.h"
#include "runtime/hal/flagos_hal.h"

struct flagos_hal_stream_s {
  mcStream_t mc;  // never NULL: HAL streams are created streams, the default stream is NULL
  int device;
  int priority;
};

struct flagos_hal_event_s {
  mcEvent_t mc;
  int device;
  unsigned flags;  // FLAGOS_HAL_EVENT_*
  bool recorded;
};

namespace flagos::hal_metax {

// The HAL status a MACA runtime error stands for.
flagos_hal_status status_of(mcError_t error);

using flagos::hal::fail;  // records this thread's last error and returns the status

// For a failed MACA call: "<api> failed with MACA error <code> (<mcGetErrorName>):
// <mcGetErrorString>", plus " [<context>]" when given; clears the runtime's sticky last error
// (mcGetLastError) so that later launch checks see their own errors; returns status_of(error).
flagos_hal_status mc_fail(const char* api, mcError_t error, const std::string& context = "");

// SUCCESS when `device` names a GPU; INVALID_DEVICE with the count otherwise.
flagos_hal_status check_device(int device);

// Makes `device` the runtime's current device for the lifetime of the scope, then restores the
// previous one (the MACA runtime allocates memory and creates streams and events on the current
// device).
class DeviceScope {
 public:
  explicit DeviceScope(int device);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;
  flagos_hal_status status() const { return status_; }

 private:
  int restore_ = -1;
  flagos_hal_status status_ = FLAGOS_HAL_SUCCESS;
};

// `call()` (returning an mcError_t) with `device` current; a failed call becomes
// mc_fail(api, error, "device <device>"). The shape of most HAL entry points.
template <typename Call>
flagos_hal_status mc_on_device(int device, const char* api, Call&& call) {
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  const mcError_t error = call();
  return error == mcSuccess ? FLAGOS_HAL_SUCCESS : mc_fail(api, error, "device " + std::to_string(device));
}

}  // namespace flagos::hal_metax
