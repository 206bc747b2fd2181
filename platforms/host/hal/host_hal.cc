// Host platform HAL: "device" memory is host RAM, so every flagos code path (allocator, guard,
// copies, multi-device) runs on machines without an accelerator.
//
// Execution model: host streams are SYNCHRONOUS. Kernels run on the calling thread when they are
// dispatched, copies (async ones too) complete before the call returns, so every stream is always
// idle. Events still record the time at which they were recorded, so elapsed_time measures real
// intervals. This is documented in platforms/host/hal/README.md.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <unordered_map>

#include "runtime/hal/flagos_hal.h"
#include "platforms/host/hal/host_config.h"
#include "runtime/hal/fork_locks.h"

using flagos::hal_host::check_device;
using flagos::hal_host::config;
using flagos::hal_host::fail;

namespace {

constexpr size_t kAlignment = 64;
constexpr int kMaxDevices = 64;

thread_local int t_current_device = 0;

// Live device allocations: pointer -> (device, bytes), so free() can account and validate.
struct DeviceMemory {
  std::mutex mutex;
  std::unordered_map<void*, std::pair<int, size_t>> live;
  size_t in_use[kMaxDevices] = {};
};

DeviceMemory& memory() {
  static DeviceMemory* m = [] {
    auto* d = new DeviceMemory();  // leaked on purpose: tensors may die after main()
    flagos::fork_locks::guard(d->mutex, flagos::fork_locks::kHal);
    return d;
  }();
  return *m;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

size_t round_up(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

extern "C" {

const char* flagos_hal_platform(void) { return "host"; }

const char* flagos_hal_device_count_source(void) {
  return "simulated host devices; FLAGOS_HOST_DEVICE_COUNT sets how many (default 1)";
}

flagos_hal_status flagos_hal_get_device_count(int* count) {
  if (!count) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "count is NULL");
  if (!config().error.empty()) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, config().error);
  *count = config().device_count;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_set_device(int device) {
  if (flagos_hal_status s = check_device(device)) return s;
  t_current_device = device;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_get_device(int* device) {
  if (!device) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "device is NULL");
  *device = t_current_device;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_device_synchronize(int device) { return check_device(device); }

flagos_hal_status flagos_hal_get_device_properties(int device, flagos_hal_device_properties* props) {
  if (flagos_hal_status s = check_device(device)) return s;
  if (!props) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "props is NULL");
  std::memset(props, 0, sizeof(*props));
  static const std::string model = cpu_model();
  const std::string name = "flagos host device (" + model + ")";
  std::strncpy(props->name, name.c_str(), sizeof(props->name) - 1);
  props->total_memory = config().memory_limit;
  props->major = 0;
  props->minor = 0;
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  props->multi_processor_count = cpus > 0 ? static_cast<int32_t>(cpus) : 1;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_mem_get_info(int device, size_t* free_bytes, size_t* total_bytes) {
  if (flagos_hal_status s = check_device(device)) return s;
  if (!free_bytes || !total_bytes) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "output pointer is NULL");
  std::lock_guard<std::mutex> lock(memory().mutex);
  const size_t total = config().memory_limit;
  const size_t used = memory().in_use[device];
  *total_bytes = total;
  *free_bytes = used < total ? total - used : 0;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_malloc(int device, size_t size, void** ptr) {
  if (flagos_hal_status s = check_device(device)) return s;
  if (!ptr) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "ptr is NULL");
  *ptr = nullptr;
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  DeviceMemory& mem = memory();
  std::lock_guard<std::mutex> lock(mem.mutex);
  const size_t limit = config().memory_limit;
  if (size > limit || mem.in_use[device] > limit - size) {
    return fail(FLAGOS_HAL_ERROR_OUT_OF_MEMORY,
                "host device " + std::to_string(device) + " holds " + std::to_string(mem.in_use[device]) +
                    " of its " + std::to_string(limit) + " bytes" +
                    (config().memory_limit_from_env ? " (capacity set by FLAGOS_HOST_MEMORY_LIMIT)"
                                                    : " (capacity: the machine's RAM)"));
  }
  void* p = std::aligned_alloc(kAlignment, round_up(size));
  if (!p) return fail(FLAGOS_HAL_ERROR_OUT_OF_MEMORY, "the operating system refused " + std::to_string(size) + " bytes");
  mem.live.emplace(p, std::make_pair(device, size));
  mem.in_use[device] += size;
  *ptr = p;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_free(int device, void* ptr) {
  if (!ptr) return FLAGOS_HAL_SUCCESS;
  DeviceMemory& mem = memory();
  std::lock_guard<std::mutex> lock(mem.mutex);
  auto it = mem.live.find(ptr);
  if (it == mem.live.end() || it->second.first != device) {
    return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "pointer was not allocated on host device " + std::to_string(device));
  }
  mem.in_use[device] -= it->second.second;
  mem.live.erase(it);
  std::free(ptr);
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_host_alloc(size_t size, void** ptr) {
  if (!ptr) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "ptr is NULL");
  *ptr = size ? std::aligned_alloc(kAlignment, round_up(size)) : nullptr;
  if (size && !*ptr) return fail(FLAGOS_HAL_ERROR_OUT_OF_MEMORY, "the operating system refused " + std::to_string(size) + " bytes");
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_host_free(void* ptr) {
  std::free(ptr);
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_memcpy(void* dst, const void* src, size_t size, flagos_hal_copy_kind kind) {
  if (kind < FLAGOS_HAL_HOST_TO_DEVICE || kind > FLAGOS_HAL_DEVICE_TO_DEVICE) {
    return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "unknown copy kind " + std::to_string(kind));
  }
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  if (!dst || !src) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "NULL pointer in a copy of " + std::to_string(size) + " bytes");
  std::memmove(dst, src, size);
  return FLAGOS_HAL_SUCCESS;
}

// Synchronous: see the execution model at the top of this file.
flagos_hal_status flagos_hal_memcpy_async(void* dst, const void* src, size_t size, flagos_hal_copy_kind kind,
                                          flagos_hal_stream /*stream*/) {
  return flagos_hal_memcpy(dst, src, size, kind);
}

}  // extern "C"
