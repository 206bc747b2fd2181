// SYNTHETIC stand-in for libmcruntime.so (tests/synthetic_sdk/README.md): the MACA runtime
// subset of include/mcr/mc_runtime.h implemented on host memory with synthetic_device.h's model,
// the launch entry point of the stand-in mxcc's device emulation, and the test-control API of
// include/flagos_synthetic/mc_control.h. Not MetaX's runtime.
//
// Behaviour follows the CUDA-shaped semantics the mc* API documents by its names:
//  - The current device is per thread and starts at 0.
//  - Memory is allocated on the current device; mcFree takes any device's memory.
//  - Events must be recorded on a stream of their own device; kernels are launched onto a stream
//    of the current device.
//  - Copies check their kind against the pointers (mcMemcpyDefault infers it).
//  - Every failure is also the thread's "last error", returned and reset by mcGetLastError.
//  - Streams run later (see synthetic_device.h).
#include <cstring>
#include <string>

#include "flagos_synthetic/mc_control.h"
#include "mcr/mc_runtime.h"
#include "stub_support.h"
#include "synthetic_device.h"

using flagos_synthetic::Call;
using flagos_synthetic::call_of;
using flagos_synthetic::clear_calls_and_faults;
using flagos_synthetic::copy_sides;
using flagos_synthetic::CopySides;
using flagos_synthetic::device_used;
using flagos_synthetic::enter;
using flagos_synthetic::Event;
using flagos_synthetic::Fault;
using flagos_synthetic::recorded_call;
using flagos_synthetic::Runtime;
using flagos_synthetic::Stream;

namespace {

thread_local int t_device = 0;
thread_local mcError_t t_last_error = mcSuccess;

constexpr int kLeastPriority = 0;
constexpr int kGreatestPriority = -3;

Runtime& rt() { return Runtime::get(); }

mcError_t fail(mcError_t code) {
  t_last_error = code;
  return code;
}

mcError_t begin(const Call& call) {
  Fault fault;
  if (enter(call, t_device, &fault)) return fail(static_cast<mcError_t>(fault.code));
  return mcSuccess;
}

mcError_t resolve_stream(mcStream_t handle, Stream** out) {
  if (!handle) {
    *out = rt().default_stream(t_device);
    return mcSuccess;
  }
  auto* s = reinterpret_cast<Stream*>(handle);
  if (!rt().valid_stream(s)) return fail(mcErrorInvalidResourceHandle);
  *out = s;
  return mcSuccess;
}

mcError_t check_copy(void* dst, const void* src, size_t count, mcMemcpyKind kind) {
  if (!dst || !src) return fail(mcErrorInvalidValue);
  if (kind < mcMemcpyHostToHost || kind > mcMemcpyDefault) return fail(mcErrorInvalidValue);
  if (kind == mcMemcpyDefault) return mcSuccess;
  CopySides want;
  want.dst_device = kind == mcMemcpyHostToDevice || kind == mcMemcpyDeviceToDevice;
  want.src_device = kind == mcMemcpyDeviceToHost || kind == mcMemcpyDeviceToDevice;
  if (copy_sides(dst, src, count) != want) return fail(mcErrorInvalidValue);
  return mcSuccess;
}

}  // namespace

extern "C" {

const char* mcGetErrorName(mcError_t error) {
  switch (error) {
    case mcSuccess: return "mcSuccess";
    case mcErrorInvalidValue: return "mcErrorInvalidValue";
    case mcErrorMemoryAllocation: return "mcErrorMemoryAllocation";
    case mcErrorInitializationError: return "mcErrorInitializationError";
    case mcErrorNoDevice: return "mcErrorNoDevice";
    case mcErrorInvalidDevice: return "mcErrorInvalidDevice";
    case mcErrorInvalidResourceHandle: return "mcErrorInvalidResourceHandle";
    case mcErrorNotReady: return "mcErrorNotReady";
    case mcErrorNotSupported: return "mcErrorNotSupported";
    case mcErrorUnknown: return "mcErrorUnknown";
  }
  return "unrecognized error code";
}

const char* mcGetErrorString(mcError_t error) {
  switch (error) {
    case mcSuccess: return "no error";
    case mcErrorInvalidValue: return "invalid argument (synthetic MACA runtime)";
    case mcErrorMemoryAllocation: return "out of memory (synthetic MACA runtime)";
    case mcErrorInitializationError: return "initialization error (synthetic MACA runtime)";
    case mcErrorNoDevice: return "no MACA-capable device is detected (synthetic MACA runtime)";
    case mcErrorInvalidDevice: return "invalid device ordinal (synthetic MACA runtime)";
    case mcErrorInvalidResourceHandle: return "invalid resource handle (synthetic MACA runtime)";
    case mcErrorNotReady: return "device not ready (synthetic MACA runtime)";
    case mcErrorNotSupported: return "operation not supported (synthetic MACA runtime)";
    case mcErrorUnknown: return "unknown error (synthetic MACA runtime)";
  }
  return "unrecognized error code";
}

mcError_t mcGetLastError(void) {
  const mcError_t e = t_last_error;
  t_last_error = mcSuccess;
  return e;
}

// ---- devices ---------------------------------------------------------------------------------

mcError_t mcGetDeviceCount(int* count) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (mcError_t e = begin(call_of("mcGetDeviceCount"))) return e;
  if (!count) return fail(mcErrorInvalidValue);
  if (rt().device_count() == 0) return fail(mcErrorNoDevice);
  *count = rt().device_count();
  return mcSuccess;
}

mcError_t mcSetDevice(int device) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcSetDevice");
  c.device = device;
  if (mcError_t e = begin(c)) return e;
  if (!rt().valid_device(device)) return fail(mcErrorInvalidDevice);
  t_device = device;
  return mcSuccess;
}

mcError_t mcGetDevice(int* device) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (mcError_t e = begin(call_of("mcGetDevice"))) return e;
  if (!device) return fail(mcErrorInvalidValue);
  *device = t_device;
  return mcSuccess;
}

mcError_t mcDeviceSynchronize(void) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (mcError_t e = begin(call_of("mcDeviceSynchronize"))) return e;
  rt().drain_device(t_device);
  return mcSuccess;
}

mcError_t mcGetDeviceProperties(mcDeviceProp_t* prop, int device) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcGetDeviceProperties");
  c.device = device;
  if (mcError_t e = begin(c)) return e;
  if (!prop) return fail(mcErrorInvalidValue);
  if (!rt().valid_device(device)) return fail(mcErrorInvalidDevice);
  std::memset(prop, 0, sizeof(*prop));
  std::strncpy(prop->name, "SyntheticMetaX (flagos stand-in SDK, not a real GPU)", sizeof(prop->name) - 1);
  prop->totalGlobalMem = rt().capacity();
  prop->major = 10;
  prop->minor = 0;
  prop->multiProcessorCount = 104;
  prop->warpSize = 64;
  return mcSuccess;
}

mcError_t mcMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (mcError_t e = begin(call_of("mcMemGetInfo"))) return e;
  if (!free_bytes || !total_bytes) return fail(mcErrorInvalidValue);
  *total_bytes = rt().capacity();
  *free_bytes = rt().capacity() - rt().used(t_device);
  return mcSuccess;
}

// ---- memory ----------------------------------------------------------------------------------

mcError_t mcMalloc(void** ptr, size_t size) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcMalloc");
  c.bytes = size;
  if (mcError_t e = begin(c)) return e;
  if (!ptr) return fail(mcErrorInvalidValue);
  if (size == 0) {
    *ptr = nullptr;
    return mcSuccess;
  }
  if (!rt().allocate(t_device, size, ptr)) return fail(mcErrorMemoryAllocation);
  return mcSuccess;
}

mcError_t mcFree(void* ptr) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcFree");
  c.ptr = ptr;
  if (mcError_t e = begin(c)) return e;
  if (!ptr) return mcSuccess;
  int device = -1;
  if (!rt().free(ptr, &device)) return fail(mcErrorInvalidValue);
  return mcSuccess;
}

mcError_t mcMallocHost(void** ptr, size_t size) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcMallocHost");
  c.bytes = size;
  if (mcError_t e = begin(c)) return e;
  if (!ptr) return fail(mcErrorInvalidValue);
  *ptr = rt().host_alloc(size);
  if (!*ptr) return fail(mcErrorMemoryAllocation);
  return mcSuccess;
}

mcError_t mcFreeHost(void* ptr) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcFreeHost");
  c.ptr = ptr;
  if (mcError_t e = begin(c)) return e;
  if (!ptr) return mcSuccess;
  if (!rt().host_free(ptr)) return fail(mcErrorInvalidValue);
  return mcSuccess;
}

mcError_t mcMemcpy(void* dst, const void* src, size_t count, mcMemcpyKind kind) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcMemcpy");
  c.ptr = dst;
  c.bytes = count;
  c.kind = kind;
  if (mcError_t e = begin(c)) return e;
  if (count == 0) return mcSuccess;
  if (mcError_t e = check_copy(dst, src, count, kind)) return e;
  std::memmove(dst, src, count);
  return mcSuccess;
}

mcError_t mcMemcpyAsync(void* dst, const void* src, size_t count, mcMemcpyKind kind, mcStream_t stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcMemcpyAsync");
  c.ptr = dst;
  c.bytes = count;
  c.kind = kind;
  c.stream = stream;
  if (mcError_t e = begin(c)) return e;
  Stream* s = nullptr;
  if (mcError_t e = resolve_stream(stream, &s)) return e;
  if (count == 0) return mcSuccess;
  if (mcError_t e = check_copy(dst, src, count, kind)) return e;
  rt().enqueue(s, "mcMemcpyAsync", [dst, src, count] { std::memmove(dst, src, count); });
  return mcSuccess;
}

// ---- streams ---------------------------------------------------------------------------------

mcError_t mcDeviceGetStreamPriorityRange(int* leastPriority, int* greatestPriority) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (mcError_t e = begin(call_of("mcDeviceGetStreamPriorityRange"))) return e;
  if (leastPriority) *leastPriority = kLeastPriority;
  if (greatestPriority) *greatestPriority = kGreatestPriority;
  return mcSuccess;
}

mcError_t mcStreamCreateWithPriority(mcStream_t* stream, unsigned int flags, int priority) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcStreamCreateWithPriority");
  c.flags = flags;
  c.value = priority;
  if (mcError_t e = begin(c)) return e;
  if (!stream || (flags & ~unsigned{mcStreamNonBlocking}) != 0) return fail(mcErrorInvalidValue);
  const int clamped = priority < kGreatestPriority ? kGreatestPriority : (priority > kLeastPriority ? kLeastPriority : priority);
  *stream = reinterpret_cast<mcStream_t>(rt().create_stream(t_device, clamped, flags));
  return mcSuccess;
}

mcError_t mcStreamDestroy(mcStream_t stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcStreamDestroy");
  c.stream = stream;
  if (mcError_t e = begin(c)) return e;
  if (!stream || !rt().destroy_stream(reinterpret_cast<Stream*>(stream))) return fail(mcErrorInvalidResourceHandle);
  return mcSuccess;
}

mcError_t mcStreamSynchronize(mcStream_t stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcStreamSynchronize");
  c.stream = stream;
  if (mcError_t e = begin(c)) return e;
  Stream* s = nullptr;
  if (mcError_t e = resolve_stream(stream, &s)) return e;
  rt().drain(s);
  return mcSuccess;
}

mcError_t mcStreamQuery(mcStream_t stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcStreamQuery");
  c.stream = stream;
  if (mcError_t e = begin(c)) return e;
  Stream* s = nullptr;
  if (mcError_t e = resolve_stream(stream, &s)) return e;
  if (rt().idle(s)) return mcSuccess;
  rt().step(s);                 // progress between polls
  return mcErrorNotReady;       // not an error: not recorded as the last error
}

mcError_t mcStreamWaitEvent(mcStream_t stream, mcEvent_t event, unsigned int flags) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcStreamWaitEvent");
  c.stream = stream;
  c.ptr = event;
  c.flags = flags;
  if (mcError_t e = begin(c)) return e;
  Stream* s = nullptr;
  if (mcError_t e = resolve_stream(stream, &s)) return e;
  auto* ev = reinterpret_cast<Event*>(event);
  if (!event || !rt().valid_event(ev) || flags != mcEventWaitDefault) return fail(mcErrorInvalidResourceHandle);
  rt().wait(s, ev);
  return mcSuccess;
}

// ---- events ----------------------------------------------------------------------------------

mcError_t mcEventCreateWithFlags(mcEvent_t* event, unsigned int flags) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcEventCreateWithFlags");
  c.flags = flags;
  if (mcError_t e = begin(c)) return e;
  if (!event || (flags & ~unsigned{mcEventBlockingSync | mcEventDisableTiming}) != 0) return fail(mcErrorInvalidValue);
  *event = reinterpret_cast<mcEvent_t>(rt().create_event(t_device, flags));
  return mcSuccess;
}

mcError_t mcEventDestroy(mcEvent_t event) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcEventDestroy");
  c.ptr = event;
  if (mcError_t e = begin(c)) return e;
  if (!event || !rt().destroy_event(reinterpret_cast<Event*>(event))) return fail(mcErrorInvalidResourceHandle);
  return mcSuccess;
}

mcError_t mcEventRecord(mcEvent_t event, mcStream_t stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcEventRecord");
  c.ptr = event;
  c.stream = stream;
  if (mcError_t e = begin(c)) return e;
  auto* ev = reinterpret_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(mcErrorInvalidResourceHandle);
  Stream* s = nullptr;
  if (mcError_t e = resolve_stream(stream, &s)) return e;
  if (ev->device != s->device) return fail(mcErrorInvalidResourceHandle);
  rt().record(ev, s);
  return mcSuccess;
}

mcError_t mcEventQuery(mcEvent_t event) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcEventQuery");
  c.ptr = event;
  if (mcError_t e = begin(c)) return e;
  auto* ev = reinterpret_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(mcErrorInvalidResourceHandle);
  if (rt().event_done(ev)) return mcSuccess;
  rt().step(ev->stream);  // progress between polls
  return mcErrorNotReady;
}

mcError_t mcEventSynchronize(mcEvent_t event) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcEventSynchronize");
  c.ptr = event;
  if (mcError_t e = begin(c)) return e;
  auto* ev = reinterpret_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(mcErrorInvalidResourceHandle);
  rt().synchronize(ev);
  return mcSuccess;
}

mcError_t mcEventElapsedTime(float* ms, mcEvent_t start, mcEvent_t end) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcEventElapsedTime");
  c.ptr = start;
  if (mcError_t e = begin(c)) return e;
  auto* a = reinterpret_cast<Event*>(start);
  auto* b = reinterpret_cast<Event*>(end);
  if (!ms || !a || !b || !rt().valid_event(a) || !rt().valid_event(b)) return fail(mcErrorInvalidResourceHandle);
  if ((a->flags | b->flags) & mcEventDisableTiming) return fail(mcErrorInvalidResourceHandle);
  if (!a->stream && !a->completed) return fail(mcErrorInvalidResourceHandle);  // never recorded
  if (!b->stream && !b->completed) return fail(mcErrorInvalidResourceHandle);
  if (!a->completed || !b->completed) return fail(mcErrorNotReady);
  *ms = std::chrono::duration<float, std::milli>(b->when - a->when).count();
  return mcSuccess;
}

// ---- kernel launches from the stand-in mxcc's device emulation -------------------------------

mcError_t flagos_synthetic_mc_launch(mcStream_t stream, const char* kernel, dim3 grid, dim3 block,
                                     size_t shared_bytes, void (*run)(void*), void (*destroy)(void*), void* context) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("mcLaunchKernel");
  c.stream = stream;
  c.bytes = static_cast<size_t>(grid.x) * grid.y * grid.z * block.x * block.y * block.z;
  c.detail = kernel ? kernel : "";
  mcError_t status = begin(c);
  Stream* s = nullptr;
  if (status == mcSuccess) status = resolve_stream(stream, &s);
  if (status == mcSuccess && s->device != t_device) status = fail(mcErrorInvalidResourceHandle);
  if (status == mcSuccess && shared_bytes != 0) status = fail(mcErrorNotSupported);  // not emulated
  if (status == mcSuccess && (grid.x * grid.y * grid.z == 0 || block.x * block.y * block.z == 0)) {
    status = fail(mcErrorInvalidValue);
  }
  if (status != mcSuccess) {
    destroy(context);
    return status;
  }
  rt().enqueue(s, std::string("kernel ") + c.detail, [run, destroy, context] {
    run(context);
    destroy(context);
  });
  return mcSuccess;
}

// ---- test control (mc_control.h) -------------------------------------------------------------

void synthetic_mc_fail_next(const char* api, mcError_t code, int times) { rt().fail_next(api, code, "", times); }

int synthetic_mc_call_count(const char* api) { return rt().call_count(api); }

int synthetic_mc_get_call(const char* api, int index, synthetic_mc_call* out) {
  Call c;
  if (!out || !recorded_call(api, index, &c)) return 0;
  std::memset(out, 0, sizeof(*out));
  out->device = c.device;
  out->stream = c.stream;
  out->ptr = c.ptr;
  out->bytes = c.bytes;
  out->kind = c.kind;
  out->flags = c.flags;
  out->value = c.value;
  std::strncpy(out->detail, c.detail.c_str(), sizeof(out->detail) - 1);
  return 1;
}

void synthetic_mc_clear(void) { clear_calls_and_faults(); }

int synthetic_mc_pending(mcStream_t stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Stream* s = stream ? reinterpret_cast<Stream*>(stream) : rt().default_stream(t_device);
  if (!rt().valid_stream(s)) return -1;
  return static_cast<int>(s->pending.size());
}

size_t synthetic_mc_device_used(int device) { return device_used(device); }

}  // extern "C"
