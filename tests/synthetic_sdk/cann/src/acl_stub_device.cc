// SYNTHETIC stand-in for libascendcl.so (tests/synthetic_sdk/README.md): the AscendCL subset of
// include/acl/*.h, implemented on host memory with synthetic_device.h's model, plus the
// test-control API of include/flagos_synthetic/acl_control.h. Not Huawei's runtime.
// One library from several sources: this one (the shared state and helpers of
// acl_stub_internal.h, initialisation, error messages, devices), acl_stub_memory.cc (memory and
// copies), acl_stub_streams.cc (streams and events), acl_stub_control.cc (test control). It also
// exports to the stand-in aclnn libraries what acl_stub_exports.h declares.
//
// Behaviour modelled on the public AscendCL reference, strictly where a HAL could go wrong:
//  - aclInit first: every other call fails with ACL_ERROR_UNINITIALIZE before it.
//  - The current device is per thread and starts UNSET: aclrtGetDevice and every call that needs
//    a device (memory, streams, events) fail with ACL_ERROR_RT_CONTEXT_NULL until aclrtSetDevice.
//  - Memory is allocated on, and must be freed from, the current device; stream work (async copies,
//    event records, waits) must be issued with the stream's device current.
//  - Copies check their kind against the pointers (a HOST_TO_DEVICE copy needs device memory as its
//    destination and host memory as its source...) and count <= destMax.
//  - Streams run later (see synthetic_device.h).
#include <string>

#include "acl/acl.h"
#include "acl_stub_exports.h"
#include "acl_stub_internal.h"

namespace flagos_synthetic {
namespace acl_stub {

thread_local int t_device = -1;
thread_local std::string t_error;
bool g_initialized = false;

aclError fail(aclError code, std::string message) {
  t_error = "synthetic ACL: " + message;
  return code;
}

aclError begin(const Call& call) {
  Fault fault;
  if (enter(call, t_device, &fault)) {
    t_error = fault.message;
    return fault.code;
  }
  if (!g_initialized && call.api != "aclInit") {
    return fail(ACL_ERROR_UNINITIALIZE, call.api + ": aclInit has not been called");
  }
  return ACL_SUCCESS;
}

aclError need_device(const char* api) {
  if (t_device < 0) {
    return fail(ACL_ERROR_RT_CONTEXT_NULL, std::string(api) + ": no device is set on this thread (aclrtSetDevice)");
  }
  return ACL_SUCCESS;
}

aclError resolve_stream(const char* api, aclrtStream handle, Stream** out) {
  if (!handle) {
    if (aclError e = need_device(api)) return e;
    *out = rt().default_stream(t_device);
    return ACL_SUCCESS;
  }
  auto* s = static_cast<Stream*>(handle);
  if (!rt().valid_stream(s)) return fail(ACL_ERROR_RT_INVALID_HANDLE, std::string(api) + ": not a live stream");
  *out = s;
  return ACL_SUCCESS;
}

aclError check_stream_device(const char* api, const Stream* s) {
  if (aclError e = need_device(api)) return e;
  if (s->device != t_device) {
    return fail(ACL_ERROR_RT_STREAM_CONTEXT, std::string(api) + ": the stream belongs to device " +
                                                 std::to_string(s->device) + " but the current device is " +
                                                 std::to_string(t_device));
  }
  return ACL_SUCCESS;
}

// ---- exported to the stand-in aclnn libraries (acl_stub_exports.h) ----

int current_device() { return t_device; }

aclError stream_for_work(const char* api, aclrtStream handle, Stream** out) {
  if (aclError e = resolve_stream(api, handle, out)) return e;
  return check_stream_device(api, *out);
}

}  // namespace acl_stub
}  // namespace flagos_synthetic

using flagos_synthetic::Call;
using flagos_synthetic::call_of;
using namespace flagos_synthetic::acl_stub;

extern "C" {

aclError aclInit(const char* /*configPath*/) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (aclError e = begin(call_of("aclInit"))) return e;
  if (g_initialized) return fail(ACL_ERROR_REPEAT_INITIALIZE, "aclInit: already initialised");
  g_initialized = true;
  return ACL_SUCCESS;
}

aclError aclFinalize(void) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (aclError e = begin(call_of("aclFinalize"))) return e;
  g_initialized = false;
  return ACL_SUCCESS;
}

const char* aclGetRecentErrMsg(void) { return t_error.c_str(); }

void synthetic_acl_set_error(const char* message) { t_error = message ? message : ""; }

aclError aclGetDeviceCapability(uint32_t deviceId, aclDeviceInfo deviceInfo, int64_t* value) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclGetDeviceCapability");
  c.device = static_cast<int>(deviceId);
  c.flags = static_cast<unsigned>(deviceInfo);
  if (aclError e = begin(c)) return e;
  if (!value) return fail(ACL_ERROR_INVALID_PARAM, "aclGetDeviceCapability: value is NULL");
  if (!rt().valid_device(static_cast<int>(deviceId))) {
    return fail(ACL_ERROR_INVALID_DEVICE, "aclGetDeviceCapability: no device " + std::to_string(deviceId));
  }
  switch (deviceInfo) {
    case ACL_DEVICE_INFO_AI_CORE_NUM: *value = 20; return ACL_SUCCESS;
    case ACL_DEVICE_INFO_VECTOR_CORE_NUM: *value = 40; return ACL_SUCCESS;
    case ACL_DEVICE_INFO_L2_SIZE: *value = 96 << 20; return ACL_SUCCESS;
  }
  return fail(ACL_ERROR_INVALID_PARAM, "aclGetDeviceCapability: unknown aclDeviceInfo");
}

// ---- devices ---------------------------------------------------------------------------------

aclError aclrtGetDeviceCount(uint32_t* count) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (aclError e = begin(call_of("aclrtGetDeviceCount"))) return e;
  if (!count) return fail(ACL_ERROR_INVALID_PARAM, "aclrtGetDeviceCount: count is NULL");
  if (rt().device_count() == 0) return fail(ACL_ERROR_RT_NO_DEVICE, "aclrtGetDeviceCount: no device");
  *count = static_cast<uint32_t>(rt().device_count());
  return ACL_SUCCESS;
}

aclError aclrtSetDevice(int32_t deviceId) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtSetDevice");
  c.device = deviceId;
  if (aclError e = begin(c)) return e;
  if (!rt().valid_device(deviceId)) {
    return fail(ACL_ERROR_RT_INVALID_DEVICEID, "aclrtSetDevice: invalid device id " + std::to_string(deviceId) + " (" +
                                                   std::to_string(rt().device_count()) + " devices)");
  }
  t_device = deviceId;
  return ACL_SUCCESS;
}

aclError aclrtGetDevice(int32_t* deviceId) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (aclError e = begin(call_of("aclrtGetDevice"))) return e;
  if (!deviceId) return fail(ACL_ERROR_INVALID_PARAM, "aclrtGetDevice: deviceId is NULL");
  if (aclError e = need_device("aclrtGetDevice")) return e;
  *deviceId = t_device;
  return ACL_SUCCESS;
}

aclError aclrtSynchronizeDevice(void) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (aclError e = begin(call_of("aclrtSynchronizeDevice"))) return e;
  if (aclError e = need_device("aclrtSynchronizeDevice")) return e;
  rt().drain_device(t_device);
  return ACL_SUCCESS;
}

const char* aclrtGetSocName(void) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (begin(call_of("aclrtGetSocName")) != ACL_SUCCESS) return nullptr;
  return "SyntheticAscend (flagos stand-in SDK, not a real NPU)";
}

aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t* free_bytes, size_t* total_bytes) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtGetMemInfo");
  c.flags = static_cast<unsigned>(attr);
  if (aclError e = begin(c)) return e;
  if (!free_bytes || !total_bytes) return fail(ACL_ERROR_INVALID_PARAM, "aclrtGetMemInfo: NULL output");
  if (aclError e = need_device("aclrtGetMemInfo")) return e;
  if (attr == ACL_HBM_MEM) {
    *total_bytes = rt().capacity();
    *free_bytes = rt().capacity() - rt().used(t_device);
  } else {
    *total_bytes = 0;  // the stand-in devices have HBM only
    *free_bytes = 0;
  }
  return ACL_SUCCESS;
}

}  // extern "C"
