// Errors, initialisation and device switching of the ascend HAL.
#include "platforms/ascend/hal/ascend_common.h"
#include "platforms/ascend/hal/ascend_hal.h"

#include <mutex>
#include <string>

namespace flagos::hal_ascend {
namespace {

struct InitState {
  flagos_hal_status status = FLAGOS_HAL_SUCCESS;
  std::string message;
};

const InitState& init_state() {
  static const InitState state = [] {
    InitState s;
    const aclError code = aclInit(nullptr);
    // Another library (torch_npu, a user's own code) may have initialised ACL already.
    if (code != ACL_SUCCESS && code != ACL_ERROR_REPEAT_INITIALIZE) {
      s.status = acl_fail("aclInit", code, "flagos initialises AscendCL once per process");
      s.message = flagos_hal_last_error();
    }
    return s;
  }();
  return state;
}

}  // namespace

flagos_hal_status status_of(aclError code) {
  switch (code) {
    case ACL_SUCCESS:
      return FLAGOS_HAL_SUCCESS;
    case ACL_ERROR_INVALID_DEVICE:
    case ACL_ERROR_RT_INVALID_DEVICEID:
    case ACL_ERROR_RT_NO_DEVICE:
      return FLAGOS_HAL_ERROR_INVALID_DEVICE;
    case ACL_ERROR_INVALID_PARAM:
    case ACL_ERROR_RT_PARAM_INVALID:
    case ACL_ERROR_RT_INVALID_HANDLE:
      return FLAGOS_HAL_ERROR_INVALID_VALUE;
    case ACL_ERROR_BAD_ALLOC:
    case ACL_ERROR_RT_MEMORY_ALLOCATION:
    case ACL_ERROR_RT_DEVICE_OOM:
      return FLAGOS_HAL_ERROR_OUT_OF_MEMORY;
    case ACL_ERROR_RT_STREAM_NOT_COMPLETE:
    case ACL_ERROR_RT_EVENT_NOT_COMPLETE:
      return FLAGOS_HAL_ERROR_NOT_READY;
    case ACL_ERROR_FEATURE_UNSUPPORTED:
    case ACL_ERROR_RT_FEATURE_NOT_SUPPORT:
      return FLAGOS_HAL_ERROR_NOT_SUPPORTED;
    default:
      return FLAGOS_HAL_ERROR_BACKEND;
  }
}

flagos_hal_status acl_fail(const char* api, aclError code, const std::string& context) {
  const char* recent = aclGetRecentErrMsg();
  std::string detail = std::string(api) + " failed with ACL error " + std::to_string(code) + ": " +
                       (recent && *recent ? recent : "(aclGetRecentErrMsg gave no detail)");
  if (!context.empty()) detail += " [" + context + "]";
  return fail(status_of(code), std::move(detail));
}

flagos_hal_status ensure_init() {
  const InitState& state = init_state();
  if (state.status != FLAGOS_HAL_SUCCESS) return fail(state.status, state.message);
  return FLAGOS_HAL_SUCCESS;
}

int& thread_device() {
  thread_local int device = 0;
  return device;
}

flagos_hal_status check_device(int device) {
  uint32_t count = 0;
  const aclError code = aclrtGetDeviceCount(&count);
  if (code != ACL_SUCCESS && code != ACL_ERROR_RT_NO_DEVICE) return acl_fail("aclrtGetDeviceCount", code);
  if (device < 0 || static_cast<uint32_t>(device) >= count) {
    return fail(FLAGOS_HAL_ERROR_INVALID_DEVICE,
                "device " + std::to_string(device) + " does not exist: AscendCL reports " + std::to_string(count) +
                    " NPU(s) (ASCEND_RT_VISIBLE_DEVICES selects which are visible)");
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status current_device(int* device) {
  int32_t acl_device = -1;
  const aclError code = aclrtGetDevice(&acl_device);
  if (code == ACL_SUCCESS) {
    thread_device() = acl_device;
    *device = acl_device;
    return FLAGOS_HAL_SUCCESS;
  }
  // No device set on this thread yet: flagos' choice (0 until flagos_hal_set_device) stands.
  if (code == ACL_ERROR_RT_CONTEXT_NULL) {
    *device = thread_device();
    return FLAGOS_HAL_SUCCESS;
  }
  return acl_fail("aclrtGetDevice", code);
}

DeviceScope::DeviceScope(int device) {
  int32_t previous = -1;
  const aclError code = aclrtGetDevice(&previous);
  if (code != ACL_SUCCESS && code != ACL_ERROR_RT_CONTEXT_NULL) {
    status_ = acl_fail("aclrtGetDevice", code);
    return;
  }
  // Afterwards ACL's device is the thread's current one: the device it had, or (on a thread
  // where nothing set one yet) the device flagos_hal_set_device chose.
  const int after = code == ACL_SUCCESS ? previous : thread_device();
  if (code == ACL_SUCCESS && previous == device) return;
  if (const aclError set = aclrtSetDevice(device); set != ACL_SUCCESS) {
    status_ = acl_fail("aclrtSetDevice", set, "switching to device " + std::to_string(device));
    return;
  }
  if (after != device) restore_ = after;
}

flagos_hal_status stream_device(flagos_hal_stream stream, int* device) {
  if (stream) {
    *device = stream->device;
    return FLAGOS_HAL_SUCCESS;
  }
  return current_device(device);
}

DeviceScope::~DeviceScope() {
  // A failed switch back is not reported (the work itself succeeded or failed on its own); the
  // next call that needs a particular device switches again.
  if (restore_ >= 0) (void)aclrtSetDevice(restore_);
}

}  // namespace flagos::hal_ascend

// ---- ascend_hal.h --------------------------------------------------------------------------------

extern "C" aclrtStream flagos_ascend_acl_stream(flagos_hal_stream stream) { return stream ? stream->acl : nullptr; }

extern "C" aclrtEvent flagos_ascend_acl_event(flagos_hal_event event) { return event ? event->acl : nullptr; }

extern "C" flagos_hal_status flagos_ascend_check(aclError code, const char* api) {
  return code == ACL_SUCCESS ? FLAGOS_HAL_SUCCESS : flagos::hal_ascend::acl_fail(api ? api : "ACL call", code);
}
