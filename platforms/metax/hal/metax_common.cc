// Errors and device switching of the metax HAL.
#include "platforms/metax/hal/metax_common.h"

#include <string>

#include "platforms/metax/hal/metax_hal.h"

namespace flagos::hal_metax {
flagos_hal_status status_of(mcError_t error) {
  switch (error) {
    case mcSuccess:
      return FLAGOS_HAL_SUCCESS;
    case mcErrorInvalidDevice:
    case mcErrorNoDevice:
      return FLAGOS_HAL_ERROR_INVALID_DEVICE;
    case mcErrorInvalidValue:
    case mcErrorInvalidResourceHandle:
      return FLAGOS_HAL_ERROR_INVALID_VALUE;
    case mcErrorMemoryAllocation:
      return FLAGOS_HAL_ERROR_OUT_OF_MEMORY;
    case mcErrorNotReady:
      return FLAGOS_HAL_ERROR_NOT_READY;
    case mcErrorNotSupported:
      return FLAGOS_HAL_ERROR_NOT_SUPPORTED;
    default:
      return FLAGOS_HAL_ERROR_BACKEND;
  }
}

flagos_hal_status mc_fail(const char* api, mcError_t error, const std::string& context) {
  (void)mcGetLastError();  // the runtime also kept it as the thread's last error: clear it
  const char* name = mcGetErrorName(error);
  const char* text = mcGetErrorString(error);
  std::string detail = std::string(api) + " failed with MACA error " + std::to_string(static_cast<int>(error)) + " (" +
                       (name ? name : "unnamed") + "): " + (text ? text : "(no description)");
  if (!context.empty()) detail += " [" + context + "]";
  return fail(status_of(error), std::move(detail));
}

flagos_hal_status check_device(int device) {
  int count = 0;
  const mcError_t error = mcGetDeviceCount(&count);
  if (error == mcErrorNoDevice) {
    (void)mcGetLastError();
    count = 0;
  } else if (error != mcSuccess) {
    return mc_fail("mcGetDeviceCount", error);
  }
  if (device < 0 || device >= count) {
    return fail(FLAGOS_HAL_ERROR_INVALID_DEVICE,
                "device " + std::to_string(device) + " does not exist: the MACA runtime reports " + std::to_string(count) +
                    " GPU(s) (MACA_VISIBLE_DEVICES selects which are visible)");
  }
  return FLAGOS_HAL_SUCCESS;
}

DeviceScope::DeviceScope(int device) {
  int previous = -1;
  if (const mcError_t error = mcGetDevice(&previous); error != mcSuccess) {
    status_ = mc_fail("mcGetDevice", error);
    return;
  }
  if (previous == device) return;
  if (const mcError_t error = mcSetDevice(device); error != mcSuccess) {
    status_ = mc_fail("mcSetDevice", error, "switching to device " + std::to_string(device));
    return;
  }
  restore_ = previous;
}

DeviceScope::~DeviceScope() {
  if (restore_ >= 0) (void)mcSetDevice(restore_);
}

}  // namespace flagos::hal_metax

// ---- metax_hal.h ---------------------------------------------------------------------------------

extern "C" mcStream_t flagos_metax_mc_stream(flagos_hal_stream stream) { return stream ? stream->mc : nullptr; }

extern "C" mcEvent_t flagos_metax_mc_event(flagos_hal_event event) { return event ? event->mc : nullptr; }

extern "C" flagos_hal_status flagos_metax_check(mcError_t error, const char* api) {
  return error == mcSuccess ? FLAGOS_HAL_SUCCESS : flagos::hal_metax::mc_fail(api ? api : "MACA call", error);
}
