// What every HAL implementation shares (internal to runtime/hal): the thread's last-error text,
// status names, argument checks of copies, and the registry of live device allocations that lets
// a free name its device and refuse a foreign or double free before the vendor runtime sees it.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "runtime/hal/flagos_hal.h"

namespace flagos::hal {

// Records `detail` as this thread's last error (flagos_hal_last_error) and returns `status`.
flagos_hal_status fail(flagos_hal_status status, std::string detail);

// INVALID_VALUE for an unknown copy kind, or NULL pointers in a copy of a non-zero size.
flagos_hal_status check_copy(const void* dst, const void* src, size_t size, flagos_hal_copy_kind kind);

// INVALID_VALUE unless an event of `event_device` may be recorded on a stream of `stream_device`
// (pass `event_device` for the default stream).
flagos_hal_status check_record(int event_device, int stream_device);

// INVALID_VALUE for NULL arguments, unless both events were created with timing and recorded, or
// when they belong to two devices (as CUDA refuses: a time between two clocks means nothing).
flagos_hal_status check_elapsed(const float* ms, const void* start, unsigned start_flags, bool start_recorded,
                                int start_device, const void* end, unsigned end_flags, bool end_recorded,
                                int end_device);

// Live device allocations: pointer -> device. Thread-safe and fork-safe (fork_locks.h), so an
// instance must live as long as the process (leak it).
class LiveAllocations {
 public:
  LiveAllocations();
  void add(void* ptr, int device);
  // SUCCESS when `ptr` was allocated on `device`; else INVALID_VALUE naming the platform, the
  // device and, for a pointer of another device, that device.
  flagos_hal_status check_free(void* ptr, int device, const char* platform);
  void remove(void* ptr);

 private:
  std::mutex mutex_;
  std::unordered_map<void*, int> device_of_;
};

}  // namespace flagos::hal
