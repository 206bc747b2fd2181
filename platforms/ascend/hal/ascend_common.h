// Shared state and helpers of the ascend HAL (internal to platforms/ascend/hal).
#pragma once

#include <acl/acl.h>

#include <string>

#include "runtime/hal/common/hal_common.h"
#include "runtime/hal/flagos_hal.h"

struct flagos_hal_stream_s {
  aclrtStream acl;  // never NULL: HAL streams are created streams, the default stream is NULL
  int device;
};

struct flagos_hal_event_s {
  aclrtEvent acl;
  int device;
  unsigned flags;  // FLAGOS_HAL_EVENT_*
  bool recorded;
};

namespace flagos::hal_ascend {

// The HAL status an ACL error code stands for.
flagos_hal_status status_of(aclError code);

using flagos::hal::fail;  // records this thread's last error and returns the status

// For a failed ACL call: "<api> failed with ACL error <code>: <aclGetRecentErrMsg()>", plus
// " [<context>]" when given; returns status_of(code).
flagos_hal_status acl_fail(const char* api, aclError code, const std::string& context = "");

// aclInit, once per process (an earlier aclInit by another library is fine). Every entry point
// that talks to ACL calls it first; a failed aclInit fails them all with its message.
flagos_hal_status ensure_init();

// SUCCESS when `device` names an NPU; INVALID_DEVICE with the count otherwise.
flagos_hal_status check_device(int device);

// The thread's current device: ACL's (aclrtGetDevice) when the thread has one, else the device
// flagos_hal_set_device chose, else 0.
flagos_hal_status current_device(int* device);

// Makes `device` ACL's current device for the lifetime of the scope (ACL allocates memory and
// creates streams and events on the current device, and takes work for a stream only with the
// stream's device current), then restores the thread's current device.
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

// The device a HAL stream works on: its own, or the thread's current device for the default
// (NULL) stream.
flagos_hal_status stream_device(flagos_hal_stream stream, int* device);

// ensure_init, then `call()` (returning an aclError) with `device` current; a failed call
// becomes acl_fail(api, code, "device <device>"). The shape of most HAL entry points.
template <typename Call>
flagos_hal_status acl_on_device(int device, const char* api, Call&& call) {
  if (flagos_hal_status s = ensure_init()) return s;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  const aclError code = call();
  return code == ACL_SUCCESS ? FLAGOS_HAL_SUCCESS : acl_fail(api, code, "device " + std::to_string(device));
}

// The thread's current device as chosen through the HAL (0 until flagos_hal_set_device).
int& thread_device();

}  // namespace flagos::hal_ascend
