// The metax HAL: runtime/hal/flagos_hal.h over MetaX's MACA runtime (libmcruntime.so, mc* API).
//
// API basis: MetaX publishes no header text flagos could check; the names and signatures here are
// those that public code running on MACA calls: MetaX's own FlagCX device adaptor (mcMalloc,
// mcMallocHost, mcMemcpyAsync, mcStreamWaitEvent, mcEventCreateWithFlags, mcEventElapsedTime,
// mcGetDeviceProperties, ...), the MACA samples (mcMemGetInfo, mcDeviceSynchronize) and MACA ports
// of vLLM/Paddle/PyTorch (mcStreamCreateWithPriority, mcDeviceGetStreamPriorityRange). The API is
// CUDA-runtime-shaped; MetaX's cu-bridge maps cuda* names onto it for CUDA sources, and
// libruntime_cu.so exports cuda* symbols. The HAL uses the mc* names directly: they are the
// runtime's own API, and the HAL needs no CUDA source compatibility. Errors are handled by NAME
// (mcErrorMemoryAllocation...), never by number.
//
// Behaviour: the current device is per thread (device 0 until set); memory, streams and events
// are created on the current device, so calls on a given device run inside a DeviceScope. Every
// MACA failure becomes a HAL status and "<API> failed with MACA error <code> (<name>):
// <description>" (flagos_hal_last_error()).
// Verified only against the synthetic stand-in SDK of tests/synthetic_sdk, not on a MetaX GPU.
#include <cstdio>
#include <cstring>
#include <string>

#include "runtime/hal/flagos_hal.h"
#include "platforms/metax/hal/metax_common.h"

using flagos::hal_metax::check_device;
using flagos::hal_metax::DeviceScope;
using flagos::hal_metax::fail;
using flagos::hal_metax::mc_fail;

namespace {

flagos::hal::LiveAllocations& allocations() {
  static auto* a = new flagos::hal::LiveAllocations();  // leaked on purpose: tensors may die after main()
  return *a;
}

mcMemcpyKind mc_kind(flagos_hal_copy_kind kind) {
  switch (kind) {
    case FLAGOS_HAL_HOST_TO_DEVICE: return mcMemcpyHostToDevice;
    case FLAGOS_HAL_DEVICE_TO_HOST: return mcMemcpyDeviceToHost;
    case FLAGOS_HAL_DEVICE_TO_DEVICE: return mcMemcpyDeviceToDevice;
  }
  return mcMemcpyDefault;  // not reached: kinds are checked first
}

}  // namespace

extern "C" {

const char* flagos_hal_platform(void) { return "metax"; }

const char* flagos_hal_device_count_source(void) {
  return "MetaX GPUs reported by the MACA runtime (mcGetDeviceCount); MACA_VISIBLE_DEVICES selects which are visible";
}

// ---- devices ---------------------------------------------------------------------------------

flagos_hal_status flagos_hal_get_device_count(int* count) {
  if (!count) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "count is NULL");
  int n = 0;
  const mcError_t error = mcGetDeviceCount(&n);
  if (error == mcErrorNoDevice) {
    (void)mcGetLastError();
    *count = 0;  // no GPU is a valid answer (torch.flagos.device_count() == 0), not a failure
    return FLAGOS_HAL_SUCCESS;
  }
  if (error != mcSuccess) return mc_fail("mcGetDeviceCount", error);
  *count = n;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_set_device(int device) {
  if (flagos_hal_status s = check_device(device)) return s;
  if (const mcError_t error = mcSetDevice(device); error != mcSuccess) {
    return mc_fail("mcSetDevice", error, "device " + std::to_string(device));
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_get_device(int* device) {
  if (!device) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "device is NULL");
  if (const mcError_t error = mcGetDevice(device); error != mcSuccess) return mc_fail("mcGetDevice", error);
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_device_synchronize(int device) {
  if (flagos_hal_status s = check_device(device)) return s;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  if (const mcError_t error = mcDeviceSynchronize(); error != mcSuccess) {
    return mc_fail("mcDeviceSynchronize", error, "device " + std::to_string(device));
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_get_device_properties(int device, flagos_hal_device_properties* props) {
  if (!props) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "props is NULL");
  if (flagos_hal_status s = check_device(device)) return s;
  mcDeviceProp_t mc;
  std::memset(&mc, 0, sizeof(mc));
  if (const mcError_t error = mcGetDeviceProperties(&mc, device); error != mcSuccess) {
    return mc_fail("mcGetDeviceProperties", error, "device " + std::to_string(device));
  }
  std::memset(props, 0, sizeof(*props));
  std::snprintf(props->name, sizeof(props->name), "%.*s", static_cast<int>(sizeof(mc.name)), mc.name);
  props->total_memory = mc.totalGlobalMem;
  props->major = mc.major;
  props->minor = mc.minor;
  props->multi_processor_count = mc.multiProcessorCount;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_mem_get_info(int device, size_t* free_bytes, size_t* total_bytes) {
  if (!free_bytes || !total_bytes) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "output pointer is NULL");
  if (flagos_hal_status s = check_device(device)) return s;
  DeviceScope scope(device);  // mcMemGetInfo reports the current device
  if (scope.status()) return scope.status();
  if (const mcError_t error = mcMemGetInfo(free_bytes, total_bytes); error != mcSuccess) {
    return mc_fail("mcMemGetInfo", error, "device " + std::to_string(device));
  }
  return FLAGOS_HAL_SUCCESS;
}

// ---- memory ----------------------------------------------------------------------------------

flagos_hal_status flagos_hal_malloc(int device, size_t size, void** ptr) {
  if (!ptr) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "ptr is NULL");
  *ptr = nullptr;
  if (flagos_hal_status s = check_device(device)) return s;
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  void* p = nullptr;
  if (const mcError_t error = mcMalloc(&p, size); error != mcSuccess) {
    return mc_fail("mcMalloc", error, "device " + std::to_string(device) + ", " + std::to_string(size) + " bytes");
  }
  allocations().add(p, device);
  *ptr = p;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_free(int device, void* ptr) {
  if (!ptr) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = allocations().check_free(ptr, device, "metax")) return s;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  if (const mcError_t error = mcFree(ptr); error != mcSuccess) {
    return mc_fail("mcFree", error, "device " + std::to_string(device));
  }
  allocations().remove(ptr);
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_host_alloc(size_t size, void** ptr) {
  if (!ptr) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "ptr is NULL");
  *ptr = nullptr;
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  if (const mcError_t error = mcMallocHost(ptr, size); error != mcSuccess) {
    *ptr = nullptr;
    return mc_fail("mcMallocHost", error, std::to_string(size) + " bytes");
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_host_free(void* ptr) {
  if (!ptr) return FLAGOS_HAL_SUCCESS;
  if (const mcError_t error = mcFreeHost(ptr); error != mcSuccess) return mc_fail("mcFreeHost", error);
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_memcpy(void* dst, const void* src, size_t size, flagos_hal_copy_kind kind) {
  if (flagos_hal_status s = flagos::hal::check_copy(dst, src, size, kind)) return s;
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  if (const mcError_t error = mcMemcpy(dst, src, size, mc_kind(kind)); error != mcSuccess) {
    return mc_fail("mcMemcpy", error, std::to_string(size) + " bytes");
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_memcpy_async(void* dst, const void* src, size_t size, flagos_hal_copy_kind kind,
                                          flagos_hal_stream stream) {
  if (flagos_hal_status s = flagos::hal::check_copy(dst, src, size, kind)) return s;
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  int device = 0;
  if (stream) {
    device = stream->device;
  } else if (const mcError_t error = mcGetDevice(&device); error != mcSuccess) {
    return mc_fail("mcGetDevice", error);
  }
  DeviceScope scope(device);  // stream work is issued with the stream's device current
  if (scope.status()) return scope.status();
  if (const mcError_t error = mcMemcpyAsync(dst, src, size, mc_kind(kind), stream ? stream->mc : nullptr);
      error != mcSuccess) {
    return mc_fail("mcMemcpyAsync", error,
                   std::to_string(size) + " bytes on device " + std::to_string(device));
  }
  return FLAGOS_HAL_SUCCESS;
}

}  // extern "C"
