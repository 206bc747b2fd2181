// The ascend HAL: runtime/hal/flagos_hal.h over AscendCL (CANN's runtime API, libascendcl.so).
//
// API basis: Huawei's public AscendCL reference (aclrtMalloc, aclrtMemcpyAsync, ...); names,
// signatures and error codes as documented there. Behaviour that matters here:
//  - aclInit once per process before anything else (ensure_init; aclFinalize is left to process
//    exit, since other libraries in the process may still be using ACL).
//  - The current device is per thread and ACL allocates memory, creates streams and events, and
//    accepts stream work on the CURRENT device, so every call on a given device runs inside a
//    DeviceScope that switches to it and back (ascend_common.h).
//  - Every ACL failure becomes a HAL status (status_of) and the message
//    "<ACL API> failed with ACL error <code>: <aclGetRecentErrMsg()>" (flagos_hal_last_error()).
// Verified only against the synthetic stand-in toolkit of tests/synthetic_sdk, not on an NPU.
#include <cstring>
#include <string>

#include "platforms/ascend/hal/ascend_common.h"
#include "runtime/hal/flagos_hal.h"

using flagos::hal_ascend::acl_fail;
using flagos::hal_ascend::check_device;
using flagos::hal_ascend::current_device;
using flagos::hal_ascend::DeviceScope;
using flagos::hal_ascend::ensure_init;
using flagos::hal_ascend::fail;

namespace {

flagos::hal::LiveAllocations& allocations() {
  static auto* a = new flagos::hal::LiveAllocations();  // leaked on purpose: tensors may die after main()
  return *a;
}

aclrtMemcpyKind acl_kind(flagos_hal_copy_kind kind) {
  switch (kind) {
    case FLAGOS_HAL_HOST_TO_DEVICE: return ACL_MEMCPY_HOST_TO_DEVICE;
    case FLAGOS_HAL_DEVICE_TO_HOST: return ACL_MEMCPY_DEVICE_TO_HOST;
    case FLAGOS_HAL_DEVICE_TO_DEVICE: return ACL_MEMCPY_DEVICE_TO_DEVICE;
  }
  return ACL_MEMCPY_HOST_TO_HOST;  // not reached: kinds are checked first
}

// aclrtGetMemInfo for the current device: HBM where the chip has it, DDR otherwise.
flagos_hal_status mem_info(size_t* free_bytes, size_t* total_bytes) {
  for (aclrtMemAttr attr : {ACL_HBM_MEM, ACL_DDR_MEM}) {
    size_t f = 0, t = 0;
    if (const aclError code = aclrtGetMemInfo(attr, &f, &t); code != ACL_SUCCESS) {
      return acl_fail("aclrtGetMemInfo", code, attr == ACL_HBM_MEM ? "HBM" : "DDR");
    }
    if (t > 0) {
      *free_bytes = f;
      *total_bytes = t;
      return FLAGOS_HAL_SUCCESS;
    }
  }
  *free_bytes = 0;
  *total_bytes = 0;
  return FLAGOS_HAL_SUCCESS;
}

}  // namespace

extern "C" {

const char* flagos_hal_platform(void) { return "ascend"; }

const char* flagos_hal_device_count_source(void) {
  return "Ascend NPUs reported by AscendCL (aclrtGetDeviceCount); ASCEND_RT_VISIBLE_DEVICES selects which are visible";
}

// ---- devices ---------------------------------------------------------------------------------

flagos_hal_status flagos_hal_get_device_count(int* count) {
  if (!count) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "count is NULL");
  if (flagos_hal_status s = ensure_init()) return s;
  uint32_t n = 0;
  const aclError code = aclrtGetDeviceCount(&n);
  if (code == ACL_ERROR_RT_NO_DEVICE) {
    // No NPU is a valid answer (torch.flagos.device_count() == 0), not a failure.
    *count = 0;
    return FLAGOS_HAL_SUCCESS;
  }
  if (code != ACL_SUCCESS) return acl_fail("aclrtGetDeviceCount", code);
  *count = static_cast<int>(n);
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_set_device(int device) {
  if (flagos_hal_status s = ensure_init()) return s;
  if (flagos_hal_status s = check_device(device)) return s;
  if (const aclError code = aclrtSetDevice(device); code != ACL_SUCCESS) {
    return acl_fail("aclrtSetDevice", code, "device " + std::to_string(device));
  }
  flagos::hal_ascend::thread_device() = device;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_get_device(int* device) {
  if (!device) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "device is NULL");
  if (flagos_hal_status s = ensure_init()) return s;
  return current_device(device);
}

flagos_hal_status flagos_hal_device_synchronize(int device) {
  if (flagos_hal_status s = ensure_init()) return s;
  if (flagos_hal_status s = check_device(device)) return s;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  if (const aclError code = aclrtSynchronizeDevice(); code != ACL_SUCCESS) {
    return acl_fail("aclrtSynchronizeDevice", code, "device " + std::to_string(device));
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_get_device_properties(int device, flagos_hal_device_properties* props) {
  if (!props) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "props is NULL");
  if (flagos_hal_status s = ensure_init()) return s;
  if (flagos_hal_status s = check_device(device)) return s;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  std::memset(props, 0, sizeof(*props));
  const char* soc = aclrtGetSocName();
  if (!soc) {
    const char* recent = aclGetRecentErrMsg();
    return fail(FLAGOS_HAL_ERROR_BACKEND, std::string("aclrtGetSocName returned NULL: ") +
                                              (recent && *recent ? recent : "(aclGetRecentErrMsg gave no detail)"));
  }
  std::strncpy(props->name, soc, sizeof(props->name) - 1);
  size_t free_bytes = 0, total_bytes = 0;
  if (flagos_hal_status s = mem_info(&free_bytes, &total_bytes)) return s;
  props->total_memory = total_bytes;
  int64_t cores = 0;
  if (const aclError code = aclGetDeviceCapability(static_cast<uint32_t>(device), ACL_DEVICE_INFO_AI_CORE_NUM, &cores);
      code != ACL_SUCCESS) {
    return acl_fail("aclGetDeviceCapability", code, "ACL_DEVICE_INFO_AI_CORE_NUM of device " + std::to_string(device));
  }
  props->multi_processor_count = static_cast<int32_t>(cores);  // AI Cores
  props->major = 0;  // NPUs have no compute capability; the SoC name identifies the chip
  props->minor = 0;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_mem_get_info(int device, size_t* free_bytes, size_t* total_bytes) {
  if (!free_bytes || !total_bytes) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "output pointer is NULL");
  if (flagos_hal_status s = ensure_init()) return s;
  if (flagos_hal_status s = check_device(device)) return s;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  return mem_info(free_bytes, total_bytes);
}

// ---- memory ----------------------------------------------------------------------------------

flagos_hal_status flagos_hal_malloc(int device, size_t size, void** ptr) {
  if (!ptr) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "ptr is NULL");
  *ptr = nullptr;
  if (flagos_hal_status s = ensure_init()) return s;
  if (flagos_hal_status s = check_device(device)) return s;
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  void* p = nullptr;
  if (const aclError code = aclrtMalloc(&p, size, ACL_MEM_MALLOC_HUGE_FIRST); code != ACL_SUCCESS) {
    return acl_fail("aclrtMalloc", code, "device " + std::to_string(device) + ", " + std::to_string(size) + " bytes");
  }
  allocations().add(p, device);
  *ptr = p;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_free(int device, void* ptr) {
  if (!ptr) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = allocations().check_free(ptr, device, "ascend")) return s;
  if (flagos_hal_status s = ensure_init()) return s;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  if (const aclError code = aclrtFree(ptr); code != ACL_SUCCESS) {
    return acl_fail("aclrtFree", code, "device " + std::to_string(device));
  }
  allocations().remove(ptr);
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_host_alloc(size_t size, void** ptr) {
  if (!ptr) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "ptr is NULL");
  *ptr = nullptr;
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = ensure_init()) return s;
  int device = 0;
  if (flagos_hal_status s = current_device(&device)) return s;
  DeviceScope scope(device);  // page-locked memory is registered through the current device's context
  if (scope.status()) return scope.status();
  if (const aclError code = aclrtMallocHost(ptr, size); code != ACL_SUCCESS) {
    *ptr = nullptr;
    return acl_fail("aclrtMallocHost", code, std::to_string(size) + " bytes");
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_host_free(void* ptr) {
  if (!ptr) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = ensure_init()) return s;
  if (const aclError code = aclrtFreeHost(ptr); code != ACL_SUCCESS) return acl_fail("aclrtFreeHost", code);
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_memcpy(void* dst, const void* src, size_t size, flagos_hal_copy_kind kind) {
  if (flagos_hal_status s = flagos::hal::check_copy(dst, src, size, kind)) return s;
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = ensure_init()) return s;
  int device = 0;
  if (flagos_hal_status s = current_device(&device)) return s;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  if (const aclError code = aclrtMemcpy(dst, size, src, size, acl_kind(kind)); code != ACL_SUCCESS) {
    return acl_fail("aclrtMemcpy", code, std::to_string(size) + " bytes");
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_memcpy_async(void* dst, const void* src, size_t size, flagos_hal_copy_kind kind,
                                          flagos_hal_stream stream) {
  if (flagos_hal_status s = flagos::hal::check_copy(dst, src, size, kind)) return s;
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = ensure_init()) return s;
  int device = 0;
  if (stream) {
    device = stream->device;
  } else if (flagos_hal_status s = current_device(&device)) {
    return s;
  }
  DeviceScope scope(device);  // ACL takes work for a stream with the stream's device current
  if (scope.status()) return scope.status();
  if (const aclError code = aclrtMemcpyAsync(dst, size, src, size, acl_kind(kind), stream ? stream->acl : nullptr);
      code != ACL_SUCCESS) {
    return acl_fail("aclrtMemcpyAsync", code, std::to_string(size) + " bytes on device " + std::to_string(device));
  }
  return FLAGOS_HAL_SUCCESS;
}

}  // extern "C"
