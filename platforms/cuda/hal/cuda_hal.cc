// CUDA platform HAL: runtime/hal/flagos_hal.h over the CUDA runtime API.
//
// Linked against the libcudart.so.13 that torch itself loads (dynamic, see @local_cuda//:cudart),
// so flagos and torch.cuda share one runtime: the current device, streams and events are the same
// objects on both sides. HAL streams and events are cudaStream_t / cudaEvent_t.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "runtime/hal/common/hal_common.h"
#include "runtime/hal/flagos_hal.h"

namespace {

using flagos::hal::fail;

// Maps a CUDA error to a HAL status and keeps "<api> failed: <cuda error name>: <message>".
flagos_hal_status check(cudaError_t err, const char* api) {
  if (err == cudaSuccess) return FLAGOS_HAL_SUCCESS;
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();  // not an error: clear the sticky-free status
    return FLAGOS_HAL_ERROR_NOT_READY;
  }
  (void)cudaGetLastError();
  const std::string detail = std::string(api) + " failed: " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err);
  switch (err) {
    case cudaErrorMemoryAllocation: return fail(FLAGOS_HAL_ERROR_OUT_OF_MEMORY, detail);
    case cudaErrorInvalidDevice: return fail(FLAGOS_HAL_ERROR_INVALID_DEVICE, detail);
    case cudaErrorInvalidValue:
    case cudaErrorInvalidResourceHandle: return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, detail);
    default: return fail(FLAGOS_HAL_ERROR_BACKEND, detail);
  }
}

#define CHECK_CUDA(call) check((call), #call)

cudaMemcpyKind kind_of(flagos_hal_copy_kind kind) {
  switch (kind) {
    case FLAGOS_HAL_HOST_TO_DEVICE: return cudaMemcpyHostToDevice;
    case FLAGOS_HAL_DEVICE_TO_HOST: return cudaMemcpyDeviceToHost;
    case FLAGOS_HAL_DEVICE_TO_DEVICE: return cudaMemcpyDeviceToDevice;
  }
  return cudaMemcpyDefault;
}

// Runs `fn` with `device` current, restoring the caller's device.
template <typename Fn>
flagos_hal_status on_device(int device, Fn fn) {
  int previous = 0;
  if (flagos_hal_status s = CHECK_CUDA(cudaGetDevice(&previous))) return s;
  if (previous != device) {
    if (flagos_hal_status s = CHECK_CUDA(cudaSetDevice(device))) return s;
  }
  const flagos_hal_status status = fn();
  if (previous != device) (void)cudaSetDevice(previous);
  return status;
}

cudaStream_t as_stream(flagos_hal_stream s) { return reinterpret_cast<cudaStream_t>(s); }
cudaEvent_t as_event(flagos_hal_event e) { return reinterpret_cast<cudaEvent_t>(e); }

}  // namespace

extern "C" {

const char* flagos_hal_platform(void) { return "cuda"; }


const char* flagos_hal_device_count_source(void) { return "CUDA devices visible to this process (CUDA_VISIBLE_DEVICES)"; }

flagos_hal_status flagos_hal_get_device_count(int* count) {
  if (!count) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "count is NULL");
  return CHECK_CUDA(cudaGetDeviceCount(count));
}

flagos_hal_status flagos_hal_set_device(int device) { return CHECK_CUDA(cudaSetDevice(device)); }

flagos_hal_status flagos_hal_get_device(int* device) { return CHECK_CUDA(cudaGetDevice(device)); }

flagos_hal_status flagos_hal_device_synchronize(int device) {
  return on_device(device, [] { return CHECK_CUDA(cudaDeviceSynchronize()); });
}

flagos_hal_status flagos_hal_get_device_properties(int device, flagos_hal_device_properties* props) {
  if (!props) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "props is NULL");
  cudaDeviceProp p{};
  if (flagos_hal_status s = CHECK_CUDA(cudaGetDeviceProperties(&p, device))) return s;
  std::memset(props, 0, sizeof(*props));
  std::snprintf(props->name, sizeof(props->name), "%s", p.name);
  props->total_memory = p.totalGlobalMem;
  props->major = p.major;
  props->minor = p.minor;
  props->multi_processor_count = p.multiProcessorCount;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_mem_get_info(int device, size_t* free_bytes, size_t* total_bytes) {
  return on_device(device, [&] { return CHECK_CUDA(cudaMemGetInfo(free_bytes, total_bytes)); });
}

flagos_hal_status flagos_hal_malloc(int device, size_t size, void** ptr) {
  if (!ptr) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "ptr is NULL");
  *ptr = nullptr;
  if (size == 0) return FLAGOS_HAL_SUCCESS;
  return on_device(device, [&] { return CHECK_CUDA(cudaMalloc(ptr, size)); });
}

flagos_hal_status flagos_hal_free(int device, void* ptr) {
  if (!ptr) return FLAGOS_HAL_SUCCESS;
  return on_device(device, [&] { return CHECK_CUDA(cudaFree(ptr)); });
}

flagos_hal_status flagos_hal_host_alloc(size_t size, void** ptr) {
  if (!ptr) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "ptr is NULL");
  *ptr = nullptr;
  return size ? CHECK_CUDA(cudaHostAlloc(ptr, size, cudaHostAllocDefault)) : FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_host_free(void* ptr) { return ptr ? CHECK_CUDA(cudaFreeHost(ptr)) : FLAGOS_HAL_SUCCESS; }

flagos_hal_status flagos_hal_memcpy(void* dst, const void* src, size_t size, flagos_hal_copy_kind kind) {
  return size ? CHECK_CUDA(cudaMemcpy(dst, src, size, kind_of(kind))) : FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_memcpy_async(void* dst, const void* src, size_t size, flagos_hal_copy_kind kind,
                                          flagos_hal_stream stream) {
  return size ? CHECK_CUDA(cudaMemcpyAsync(dst, src, size, kind_of(kind), as_stream(stream))) : FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_priority_range(int* least, int* greatest) {
  return CHECK_CUDA(cudaDeviceGetStreamPriorityRange(least, greatest));
}

flagos_hal_status flagos_hal_stream_create(int device, int priority, flagos_hal_stream* stream) {
  return on_device(device, [&] {
    cudaStream_t s = nullptr;
    const flagos_hal_status status = CHECK_CUDA(cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, priority));
    *stream = reinterpret_cast<flagos_hal_stream>(s);
    return status;
  });
}

flagos_hal_status flagos_hal_stream_destroy(flagos_hal_stream stream) { return CHECK_CUDA(cudaStreamDestroy(as_stream(stream))); }

flagos_hal_status flagos_hal_stream_synchronize(flagos_hal_stream stream) {
  return CHECK_CUDA(cudaStreamSynchronize(as_stream(stream)));
}

flagos_hal_status flagos_hal_stream_query(flagos_hal_stream stream) { return CHECK_CUDA(cudaStreamQuery(as_stream(stream))); }

flagos_hal_status flagos_hal_stream_wait_event(flagos_hal_stream stream, flagos_hal_event event) {
  return CHECK_CUDA(cudaStreamWaitEvent(as_stream(stream), as_event(event), 0));
}

flagos_hal_status flagos_hal_event_create(int device, unsigned flags, flagos_hal_event* event) {
  unsigned cuda_flags = cudaEventDefault;
  if (flags & FLAGOS_HAL_EVENT_DISABLE_TIMING) cuda_flags |= cudaEventDisableTiming;
  if (flags & FLAGOS_HAL_EVENT_BLOCKING_SYNC) cuda_flags |= cudaEventBlockingSync;
  return on_device(device, [&] {
    cudaEvent_t e = nullptr;
    const flagos_hal_status status = CHECK_CUDA(cudaEventCreateWithFlags(&e, cuda_flags));
    *event = reinterpret_cast<flagos_hal_event>(e);
    return status;
  });
}

flagos_hal_status flagos_hal_event_destroy(flagos_hal_event event) { return CHECK_CUDA(cudaEventDestroy(as_event(event))); }

flagos_hal_status flagos_hal_event_record(flagos_hal_event event, flagos_hal_stream stream) {
  return CHECK_CUDA(cudaEventRecord(as_event(event), as_stream(stream)));
}

flagos_hal_status flagos_hal_event_query(flagos_hal_event event) { return CHECK_CUDA(cudaEventQuery(as_event(event))); }

flagos_hal_status flagos_hal_event_synchronize(flagos_hal_event event) {
  return CHECK_CUDA(cudaEventSynchronize(as_event(event)));
}

flagos_hal_status flagos_hal_event_elapsed_ms(float* ms, flagos_hal_event start, flagos_hal_event end) {
  return CHECK_CUDA(cudaEventElapsedTime(ms, as_event(start), as_event(end)));
}

}  // extern "C"
