/* SYNTHETIC stand-in for MetaX's mcr/mc_runtime.h (tests/synthetic_sdk/README.md).
 *
 * Written by flagos; not MetaX's header. It declares only the MACA runtime subset flagos' metax
 * HAL calls. MetaX publishes no header text that flagos could check, so the API here is what
 * public code that runs on MACA calls (MetaX's own FlagCX adaptor, the MACA samples, vLLM/Paddle
 * MetaX ports): mc-prefixed, CUDA-runtime-shaped functions (mcMalloc, mcMemcpyAsync,
 * mcStreamCreateWithPriority, mcEventCreateWithFlags, mcGetErrorName...). The numeric values of
 * the error codes and flags below are CUDA's; the HAL uses only their names, so a difference in
 * MetaX's values changes nothing in flagos.
 */
#ifndef FLAGOS_SYNTHETIC_MC_RUNTIME_H_
#define FLAGOS_SYNTHETIC_MC_RUNTIME_H_

#include <stddef.h>

#define MC_SYNTHETIC_API __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mcError {
  mcSuccess = 0,
  mcErrorInvalidValue = 1,
  mcErrorMemoryAllocation = 2,
  mcErrorInitializationError = 3,
  mcErrorNoDevice = 100,
  mcErrorInvalidDevice = 101,
  mcErrorInvalidResourceHandle = 400,
  mcErrorNotReady = 600,
  mcErrorNotSupported = 801,
  mcErrorUnknown = 999
} mcError_t;

typedef struct MCstream_st* mcStream_t;
typedef struct MCevent_st* mcEvent_t;

typedef enum mcMemcpyKind {
  mcMemcpyHostToHost = 0,
  mcMemcpyHostToDevice = 1,
  mcMemcpyDeviceToHost = 2,
  mcMemcpyDeviceToDevice = 3,
  mcMemcpyDefault = 4
} mcMemcpyKind;

#define mcStreamDefault 0x00
#define mcStreamNonBlocking 0x01
#define mcEventDefault 0x00
#define mcEventBlockingSync 0x01
#define mcEventDisableTiming 0x02
#define mcEventWaitDefault 0x00

/* The fields flagos reads; MetaX's struct has many more. */
typedef struct mcDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  int major;
  int minor;
  int multiProcessorCount;
  int warpSize;
} mcDeviceProp_t;

typedef struct dim3 {
#ifdef __cplusplus
  dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
#endif
  unsigned x, y, z;
} dim3;

/* ---- errors: every failed call is also this thread's "last error" until mcGetLastError ---- */
MC_SYNTHETIC_API const char* mcGetErrorName(mcError_t error);
MC_SYNTHETIC_API const char* mcGetErrorString(mcError_t error);
MC_SYNTHETIC_API mcError_t mcGetLastError(void);

/* ---- devices (the current device is per thread, device 0 until set) ---- */
MC_SYNTHETIC_API mcError_t mcGetDeviceCount(int* count);
MC_SYNTHETIC_API mcError_t mcSetDevice(int device);
MC_SYNTHETIC_API mcError_t mcGetDevice(int* device);
MC_SYNTHETIC_API mcError_t mcDeviceSynchronize(void);
MC_SYNTHETIC_API mcError_t mcGetDeviceProperties(mcDeviceProp_t* prop, int device);
MC_SYNTHETIC_API mcError_t mcMemGetInfo(size_t* free, size_t* total); /* of the current device */

/* ---- memory ---- */
MC_SYNTHETIC_API mcError_t mcMalloc(void** ptr, size_t size);
MC_SYNTHETIC_API mcError_t mcFree(void* ptr);
MC_SYNTHETIC_API mcError_t mcMallocHost(void** ptr, size_t size);
MC_SYNTHETIC_API mcError_t mcFreeHost(void* ptr);
MC_SYNTHETIC_API mcError_t mcMemcpy(void* dst, const void* src, size_t count, mcMemcpyKind kind);
MC_SYNTHETIC_API mcError_t mcMemcpyAsync(void* dst, const void* src, size_t count, mcMemcpyKind kind,
                                         mcStream_t stream);

/* ---- streams (a NULL stream is the current device's default stream) ---- */
MC_SYNTHETIC_API mcError_t mcDeviceGetStreamPriorityRange(int* leastPriority, int* greatestPriority);
MC_SYNTHETIC_API mcError_t mcStreamCreateWithPriority(mcStream_t* stream, unsigned int flags, int priority);
MC_SYNTHETIC_API mcError_t mcStreamDestroy(mcStream_t stream);
MC_SYNTHETIC_API mcError_t mcStreamSynchronize(mcStream_t stream);
MC_SYNTHETIC_API mcError_t mcStreamQuery(mcStream_t stream); /* mcSuccess or mcErrorNotReady */
MC_SYNTHETIC_API mcError_t mcStreamWaitEvent(mcStream_t stream, mcEvent_t event, unsigned int flags);

/* ---- events ---- */
MC_SYNTHETIC_API mcError_t mcEventCreateWithFlags(mcEvent_t* event, unsigned int flags);
MC_SYNTHETIC_API mcError_t mcEventDestroy(mcEvent_t event);
MC_SYNTHETIC_API mcError_t mcEventRecord(mcEvent_t event, mcStream_t stream);
MC_SYNTHETIC_API mcError_t mcEventQuery(mcEvent_t event); /* mcSuccess or mcErrorNotReady */
MC_SYNTHETIC_API mcError_t mcEventSynchronize(mcEvent_t event);
MC_SYNTHETIC_API mcError_t mcEventElapsedTime(float* ms, mcEvent_t start, mcEvent_t end);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_MC_RUNTIME_H_ */
