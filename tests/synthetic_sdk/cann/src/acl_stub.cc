// SYNTHETIC stand-in for libascendcl.so (tests/synthetic_sdk/README.md): the AscendCL subset of
// include/acl/*.h, implemented on host memory with synthetic_device.h's model, plus the
// test-control API of include/flagos_synthetic/acl_control.h. Not Huawei's runtime.
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
#include <cstring>
#include <string>

#include "acl/acl.h"
#include "flagos_synthetic/acl_control.h"
#include "synthetic_device.h"

using flagos_synthetic::Call;
using flagos_synthetic::Event;
using flagos_synthetic::Fault;
using flagos_synthetic::Runtime;
using flagos_synthetic::Stream;

namespace {

thread_local int t_device = -1;
thread_local std::string t_error;
bool g_initialized = false;

Runtime& rt() { return Runtime::get(); }

aclError fail(aclError code, std::string message) {
  t_error = "synthetic ACL: " + message;
  return code;
}

// Records the call, then applies an injected fault and the initialisation check.
aclError begin(Call call) {
  if (call.device == -2) call.device = t_device;
  rt().record_call(call);
  Fault fault;
  if (rt().take_fault(call.api, &fault)) {
    t_error = fault.message;
    return fault.code;
  }
  if (!g_initialized && call.api != "aclInit") {
    return fail(ACL_ERROR_UNINITIALIZE, call.api + ": aclInit has not been called");
  }
  return ACL_SUCCESS;
}

Call call_of(const char* api) {
  Call c;
  c.api = api;
  c.device = -2;  // the current device, filled in by begin()
  return c;
}

aclError need_device(const char* api) {
  if (t_device < 0) {
    return fail(ACL_ERROR_RT_CONTEXT_NULL, std::string(api) + ": no device is set on this thread (aclrtSetDevice)");
  }
  return ACL_SUCCESS;
}

// The stream a handle names: NULL is the current device's default stream.
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

// Work may be issued to a stream only from its own device.
aclError check_stream_device(const char* api, const Stream* s) {
  if (aclError e = need_device(api)) return e;
  if (s->device != t_device) {
    return fail(ACL_ERROR_RT_STREAM_CONTEXT, std::string(api) + ": the stream belongs to device " +
                                                 std::to_string(s->device) + " but the current device is " +
                                                 std::to_string(t_device));
  }
  return ACL_SUCCESS;
}

const char* kind_name(aclrtMemcpyKind kind) {
  switch (kind) {
    case ACL_MEMCPY_HOST_TO_HOST: return "ACL_MEMCPY_HOST_TO_HOST";
    case ACL_MEMCPY_HOST_TO_DEVICE: return "ACL_MEMCPY_HOST_TO_DEVICE";
    case ACL_MEMCPY_DEVICE_TO_HOST: return "ACL_MEMCPY_DEVICE_TO_HOST";
    case ACL_MEMCPY_DEVICE_TO_DEVICE: return "ACL_MEMCPY_DEVICE_TO_DEVICE";
  }
  return "unknown kind";
}

aclError check_copy(const char* api, void* dst, size_t dest_max, const void* src, size_t count, aclrtMemcpyKind kind) {
  if (!dst || !src) return fail(ACL_ERROR_INVALID_PARAM, std::string(api) + ": NULL pointer");
  if (count > dest_max) {
    return fail(ACL_ERROR_INVALID_PARAM, std::string(api) + ": count " + std::to_string(count) + " exceeds destMax " +
                                             std::to_string(dest_max));
  }
  if (kind < ACL_MEMCPY_HOST_TO_HOST || kind > ACL_MEMCPY_DEVICE_TO_DEVICE) {
    return fail(ACL_ERROR_INVALID_PARAM, std::string(api) + ": unknown aclrtMemcpyKind " + std::to_string(kind));
  }
  const bool dst_device = rt().device_of(dst, count) >= 0;
  const bool src_device = rt().device_of(src, count) >= 0;
  const bool want_dst_device = kind == ACL_MEMCPY_HOST_TO_DEVICE || kind == ACL_MEMCPY_DEVICE_TO_DEVICE;
  const bool want_src_device = kind == ACL_MEMCPY_DEVICE_TO_HOST || kind == ACL_MEMCPY_DEVICE_TO_DEVICE;
  if (dst_device != want_dst_device || src_device != want_src_device) {
    return fail(ACL_ERROR_INVALID_PARAM,
                std::string(api) + ": " + kind_name(kind) + " but the destination is " +
                    (dst_device ? "device" : "host") + " memory and the source is " + (src_device ? "device" : "host") +
                    " memory (" + std::to_string(count) + " bytes)");
  }
  return ACL_SUCCESS;
}

}  // namespace

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

// ---- memory ----------------------------------------------------------------------------------

aclError aclrtMalloc(void** devPtr, size_t size, aclrtMemMallocPolicy policy) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtMalloc");
  c.bytes = size;
  c.flags = static_cast<unsigned>(policy);
  if (aclError e = begin(c)) return e;
  if (!devPtr || size == 0) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMalloc: NULL output or zero size");
  if (aclError e = need_device("aclrtMalloc")) return e;
  if (!rt().allocate(t_device, size, devPtr)) {
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "aclrtMalloc: device " + std::to_string(t_device) + " has " +
                                                    std::to_string(rt().capacity() - rt().used(t_device)) +
                                                    " bytes free, " + std::to_string(size) + " requested");
  }
  return ACL_SUCCESS;
}

aclError aclrtFree(void* devPtr) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtFree");
  c.ptr = devPtr;
  if (aclError e = begin(c)) return e;
  if (aclError e = need_device("aclrtFree")) return e;
  const int owner = rt().device_of(devPtr, 0);
  if (owner < 0) return fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtFree: not a device allocation");
  if (owner != t_device) {
    return fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtFree: the memory belongs to device " + std::to_string(owner) +
                                                " but the current device is " + std::to_string(t_device));
  }
  int device = -1;
  if (!rt().free(devPtr, &device)) return fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtFree: not the start of an allocation");
  return ACL_SUCCESS;
}

aclError aclrtMallocHost(void** hostPtr, size_t size) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtMallocHost");
  c.bytes = size;
  if (aclError e = begin(c)) return e;
  if (!hostPtr || size == 0) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocHost: NULL output or zero size");
  if (aclError e = need_device("aclrtMallocHost")) return e;
  *hostPtr = rt().host_alloc(size);
  if (!*hostPtr) return fail(ACL_ERROR_BAD_ALLOC, "aclrtMallocHost: out of host memory");
  return ACL_SUCCESS;
}

aclError aclrtFreeHost(void* hostPtr) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtFreeHost");
  c.ptr = hostPtr;
  if (aclError e = begin(c)) return e;
  if (!rt().host_free(hostPtr)) return fail(ACL_ERROR_INVALID_PARAM, "aclrtFreeHost: not from aclrtMallocHost");
  return ACL_SUCCESS;
}

aclError aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtMemcpy");
  c.ptr = dst;
  c.bytes = count;
  c.kind = kind;
  if (aclError e = begin(c)) return e;
  if (aclError e = need_device("aclrtMemcpy")) return e;
  if (aclError e = check_copy("aclrtMemcpy", dst, destMax, src, count, kind)) return e;
  std::memmove(dst, src, count);
  return ACL_SUCCESS;
}

aclError aclrtMemcpyAsync(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind,
                          aclrtStream stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtMemcpyAsync");
  c.ptr = dst;
  c.bytes = count;
  c.kind = kind;
  c.stream = stream;
  if (aclError e = begin(c)) return e;
  Stream* s = nullptr;
  if (aclError e = resolve_stream("aclrtMemcpyAsync", stream, &s)) return e;
  if (aclError e = check_stream_device("aclrtMemcpyAsync", s)) return e;
  if (aclError e = check_copy("aclrtMemcpyAsync", dst, destMax, src, count, kind)) return e;
  rt().enqueue(s, "aclrtMemcpyAsync", [dst, src, count] { std::memmove(dst, src, count); });
  return ACL_SUCCESS;
}

// ---- streams ---------------------------------------------------------------------------------

aclError aclrtCreateStream(aclrtStream* stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (aclError e = begin(call_of("aclrtCreateStream"))) return e;
  if (!stream) return fail(ACL_ERROR_INVALID_PARAM, "aclrtCreateStream: stream is NULL");
  if (aclError e = need_device("aclrtCreateStream")) return e;
  *stream = rt().create_stream(t_device, 0, 0);
  return ACL_SUCCESS;
}

aclError aclrtDestroyStream(aclrtStream stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtDestroyStream");
  c.stream = stream;
  if (aclError e = begin(c)) return e;
  auto* s = static_cast<Stream*>(stream);
  if (!stream || !rt().valid_stream(s)) return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtDestroyStream: not a live stream");
  if (aclError e = check_stream_device("aclrtDestroyStream", s)) return e;
  rt().destroy_stream(s);
  return ACL_SUCCESS;
}

aclError aclrtSynchronizeStream(aclrtStream stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtSynchronizeStream");
  c.stream = stream;
  if (aclError e = begin(c)) return e;
  Stream* s = nullptr;
  if (aclError e = resolve_stream("aclrtSynchronizeStream", stream, &s)) return e;
  rt().drain(s);
  return ACL_SUCCESS;
}

aclError aclrtStreamQuery(aclrtStream stream, aclrtStreamStatus* status) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtStreamQuery");
  c.stream = stream;
  if (aclError e = begin(c)) return e;
  if (!status) return fail(ACL_ERROR_INVALID_PARAM, "aclrtStreamQuery: status is NULL");
  Stream* s = nullptr;
  if (aclError e = resolve_stream("aclrtStreamQuery", stream, &s)) return e;
  if (rt().idle(s)) {
    *status = ACL_STREAM_STATUS_COMPLETE;
  } else {
    rt().step(s);  // the device makes progress between polls
    *status = ACL_STREAM_STATUS_NOT_READY;
  }
  return ACL_SUCCESS;
}

aclError aclrtStreamWaitEvent(aclrtStream stream, aclrtEvent event) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtStreamWaitEvent");
  c.stream = stream;
  c.ptr = event;
  if (aclError e = begin(c)) return e;
  Stream* s = nullptr;
  if (aclError e = resolve_stream("aclrtStreamWaitEvent", stream, &s)) return e;
  auto* ev = static_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtStreamWaitEvent: not a live event");
  if (aclError e = check_stream_device("aclrtStreamWaitEvent", s)) return e;
  if (!(ev->flags & ACL_EVENT_SYNC)) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtStreamWaitEvent: the event was created without ACL_EVENT_SYNC");
  }
  rt().wait(s, ev);
  return ACL_SUCCESS;
}

// ---- events ----------------------------------------------------------------------------------

aclError aclrtCreateEventWithFlag(aclrtEvent* event, uint32_t flag) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtCreateEventWithFlag");
  c.flags = flag;
  if (aclError e = begin(c)) return e;
  if (!event) return fail(ACL_ERROR_INVALID_PARAM, "aclrtCreateEventWithFlag: event is NULL");
  if (flag == 0 || (flag & ~(ACL_EVENT_SYNC | ACL_EVENT_TIME_LINE)) != 0) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtCreateEventWithFlag: unsupported flag " + std::to_string(flag));
  }
  if (aclError e = need_device("aclrtCreateEventWithFlag")) return e;
  *event = rt().create_event(t_device, flag);
  return ACL_SUCCESS;
}

aclError aclrtDestroyEvent(aclrtEvent event) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtDestroyEvent");
  c.ptr = event;
  if (aclError e = begin(c)) return e;
  if (!event || !rt().destroy_event(static_cast<Event*>(event))) {
    return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtDestroyEvent: not a live event");
  }
  return ACL_SUCCESS;
}

aclError aclrtRecordEvent(aclrtEvent event, aclrtStream stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtRecordEvent");
  c.ptr = event;
  c.stream = stream;
  if (aclError e = begin(c)) return e;
  auto* ev = static_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtRecordEvent: not a live event");
  Stream* s = nullptr;
  if (aclError e = resolve_stream("aclrtRecordEvent", stream, &s)) return e;
  if (aclError e = check_stream_device("aclrtRecordEvent", s)) return e;
  if (ev->device != s->device) {
    return fail(ACL_ERROR_RT_STREAM_CONTEXT, "aclrtRecordEvent: event of device " + std::to_string(ev->device) +
                                                 " recorded on a stream of device " + std::to_string(s->device));
  }
  rt().record(ev, s);
  return ACL_SUCCESS;
}

aclError aclrtQueryEventStatus(aclrtEvent event, aclrtEventRecordedStatus* status) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtQueryEventStatus");
  c.ptr = event;
  if (aclError e = begin(c)) return e;
  auto* ev = static_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtQueryEventStatus: not a live event");
  if (!status) return fail(ACL_ERROR_INVALID_PARAM, "aclrtQueryEventStatus: status is NULL");
  if (rt().event_done(ev)) {
    *status = ACL_EVENT_RECORDED_STATUS_COMPLETE;
  } else {
    rt().step(ev->stream);  // progress between polls
    *status = ACL_EVENT_RECORDED_STATUS_NOT_READY;
  }
  return ACL_SUCCESS;
}

aclError aclrtSynchronizeEvent(aclrtEvent event) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtSynchronizeEvent");
  c.ptr = event;
  if (aclError e = begin(c)) return e;
  auto* ev = static_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtSynchronizeEvent: not a live event");
  rt().synchronize(ev);
  return ACL_SUCCESS;
}

aclError aclrtEventElapsedTime(float* ms, aclrtEvent startEvent, aclrtEvent endEvent) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtEventElapsedTime");
  c.ptr = startEvent;
  if (aclError e = begin(c)) return e;
  auto* start = static_cast<Event*>(startEvent);
  auto* end = static_cast<Event*>(endEvent);
  if (!ms || !start || !end || !rt().valid_event(start) || !rt().valid_event(end)) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtEventElapsedTime: NULL or dead argument");
  }
  if (!(start->flags & ACL_EVENT_TIME_LINE) || !(end->flags & ACL_EVENT_TIME_LINE)) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtEventElapsedTime: both events need ACL_EVENT_TIME_LINE");
  }
  if (!start->completed || !end->completed) {
    return fail(ACL_ERROR_RT_EVENT_NOT_COMPLETE, "aclrtEventElapsedTime: an event has not completed");
  }
  *ms = std::chrono::duration<float, std::milli>(end->when - start->when).count();
  return ACL_SUCCESS;
}

// ---- test control (acl_control.h) ------------------------------------------------------------

void synthetic_acl_fail_next(const char* api, int code, const char* message, int times) {
  rt().fail_next(api, code, message ? message : "", times);
}

int synthetic_acl_call_count(const char* api) { return rt().call_count(api); }

int synthetic_acl_get_call(const char* api, int index, synthetic_acl_call* out) {
  const auto calls = rt().calls(api);
  const int n = static_cast<int>(calls.size());
  const int i = index < 0 ? n + index : index;
  if (i < 0 || i >= n || !out) return 0;
  const Call& c = calls[static_cast<size_t>(i)];
  *out = synthetic_acl_call{c.device, c.stream, c.ptr, c.bytes, c.kind, c.flags};
  return 1;
}

void synthetic_acl_clear(void) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  rt().clear_calls();
  rt().clear_faults();
}

int synthetic_acl_pending(aclrtStream stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Stream* s = nullptr;
  if (!stream) {
    if (t_device < 0) return -1;
    s = rt().default_stream(t_device);
  } else {
    s = static_cast<Stream*>(stream);
    if (!rt().valid_stream(s)) return -1;
  }
  return static_cast<int>(s->pending.size());
}

size_t synthetic_acl_device_used(int device) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  return rt().valid_device(device) ? rt().used(device) : 0;
}

}  // extern "C"
