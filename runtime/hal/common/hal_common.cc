#include "runtime/hal/common/hal_common.h"

#include <utility>

#include "runtime/hal/fork_locks.h"

namespace flagos::hal {
namespace {
thread_local std::string t_last_error;
}  // namespace

flagos_hal_status fail(flagos_hal_status status, std::string detail) {
  t_last_error = std::move(detail);
  return status;
}

flagos_hal_status check_copy(const void* dst, const void* src, size_t size, flagos_hal_copy_kind kind) {
  if (kind < FLAGOS_HAL_HOST_TO_DEVICE || kind > FLAGOS_HAL_DEVICE_TO_DEVICE) {
    return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "unknown copy kind " + std::to_string(kind));
  }
  if (size && (!dst || !src)) {
    return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "NULL pointer in a copy of " + std::to_string(size) + " bytes");
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status check_record(int event_device, int stream_device) {
  if (stream_device == event_device) return FLAGOS_HAL_SUCCESS;
  return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event of device " + std::to_string(event_device) +
                                                  " recorded on a stream of device " + std::to_string(stream_device));
}

flagos_hal_status check_elapsed(const float* ms, const void* start, unsigned start_flags, bool start_recorded,
                                int start_device, const void* end, unsigned end_flags, bool end_recorded,
                                int end_device) {
  if (!ms || !start || !end) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "NULL argument");
  if ((start_flags | end_flags) & FLAGOS_HAL_EVENT_DISABLE_TIMING) {
    return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "both events must be created with timing enabled");
  }
  if (!start_recorded || !end_recorded) {
    return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "both events must be recorded before measuring the time between them");
  }
  if (start_device != end_device) {
    return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "the events belong to devices " + std::to_string(start_device) +
                                                    " and " + std::to_string(end_device) +
                                                    "; elapsed_time needs two events of one device");
  }
  return FLAGOS_HAL_SUCCESS;
}

LiveAllocations::LiveAllocations() { fork_locks::guard(mutex_, fork_locks::kHal); }

void LiveAllocations::add(void* ptr, int device) {
  std::lock_guard<std::mutex> lock(mutex_);
  device_of_[ptr] = device;
}

flagos_hal_status LiveAllocations::check_free(void* ptr, int device, const char* platform) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = device_of_.find(ptr);
  if (it != device_of_.end() && it->second == device) return FLAGOS_HAL_SUCCESS;
  return fail(FLAGOS_HAL_ERROR_INVALID_VALUE,
              "pointer was not allocated by flagos_hal_malloc on " + std::string(platform) + " device " +
                  std::to_string(device) +
                  (it == device_of_.end() ? "" : " (it belongs to device " + std::to_string(it->second) + ")"));
}

void LiveAllocations::remove(void* ptr) {
  std::lock_guard<std::mutex> lock(mutex_);
  device_of_.erase(ptr);
}

}  // namespace flagos::hal

extern "C" {

const char* flagos_hal_last_error(void) { return flagos::hal::t_last_error.c_str(); }

const char* flagos_hal_status_name(flagos_hal_status status) {
  switch (status) {
    case FLAGOS_HAL_SUCCESS: return "success";
    case FLAGOS_HAL_ERROR_INVALID_DEVICE: return "invalid device";
    case FLAGOS_HAL_ERROR_INVALID_VALUE: return "invalid value";
    case FLAGOS_HAL_ERROR_OUT_OF_MEMORY: return "out of memory";
    case FLAGOS_HAL_ERROR_NOT_READY: return "not ready";
    case FLAGOS_HAL_ERROR_NOT_SUPPORTED: return "not supported";
    case FLAGOS_HAL_ERROR_BACKEND: return "backend error";
  }
  return "unknown status";
}

}  // extern "C"
