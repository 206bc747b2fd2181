/* flagos hardware abstraction layer (HAL).
 *
 * The only interface between flagos' C++ runtime and a platform's driver API: memory (device and
 * pinned host), device selection, streams and events. One implementation per platform lives in
 * runtime/hal/<platform>/ and is linked in by select() on --//platforms:platform.
 *
 * Conventions
 *  - Plain C, so a vendor can implement it with nothing but their SDK and a C compiler.
 *  - Every function is thread-safe and returns a status; none throws. The C++ runtime turns a
 *    failed status into an exception that names the call (runtime/core/hal_check.h).
 *  - flagos_hal_last_error() gives the failed call's detail (the driver's own message, the limit
 *    that was hit...) for the calling thread.
 *  - The current device is per thread, as in CUDA. A NULL stream means the default stream of the
 *    current device.
 */
#ifndef FLAGOS_RUNTIME_HAL_FLAGOS_HAL_H_
#define FLAGOS_RUNTIME_HAL_FLAGOS_HAL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum flagos_hal_status {
  FLAGOS_HAL_SUCCESS = 0,
  FLAGOS_HAL_ERROR_INVALID_DEVICE = 1,
  FLAGOS_HAL_ERROR_INVALID_VALUE = 2,
  FLAGOS_HAL_ERROR_OUT_OF_MEMORY = 3,
  FLAGOS_HAL_ERROR_NOT_READY = 4, /* a query found work still pending: not a failure */
  FLAGOS_HAL_ERROR_NOT_SUPPORTED = 5,
  FLAGOS_HAL_ERROR_BACKEND = 6 /* any other driver error; see flagos_hal_last_error() */
} flagos_hal_status;

typedef struct flagos_hal_stream_s* flagos_hal_stream;
typedef struct flagos_hal_event_s* flagos_hal_event;

typedef enum flagos_hal_copy_kind {
  FLAGOS_HAL_HOST_TO_DEVICE = 0,
  FLAGOS_HAL_DEVICE_TO_HOST = 1,
  FLAGOS_HAL_DEVICE_TO_DEVICE = 2
} flagos_hal_copy_kind;

enum {
  FLAGOS_HAL_EVENT_DEFAULT = 0,
  FLAGOS_HAL_EVENT_DISABLE_TIMING = 1,
  FLAGOS_HAL_EVENT_BLOCKING_SYNC = 2
};

typedef struct flagos_hal_device_properties {
  char name[256];
  uint64_t total_memory;
  int32_t major; /* compute capability or the vendor's equivalent; 0 where none */
  int32_t minor;
  int32_t multi_processor_count;
} flagos_hal_device_properties;

/* ---- identity and errors ---- */
const char* flagos_hal_platform(void);           /* "host", "cuda", "metax", "ascend" */
const char* flagos_hal_status_name(flagos_hal_status status);
const char* flagos_hal_last_error(void);         /* detail of this thread's last failed call */
const char* flagos_hal_device_count_source(void);  /* where the device count comes from, for messages */

/* ---- devices ---- */
flagos_hal_status flagos_hal_get_device_count(int* count);
flagos_hal_status flagos_hal_set_device(int device);
flagos_hal_status flagos_hal_get_device(int* device);
flagos_hal_status flagos_hal_device_synchronize(int device);
flagos_hal_status flagos_hal_get_device_properties(int device, flagos_hal_device_properties* props);
flagos_hal_status flagos_hal_mem_get_info(int device, size_t* free_bytes, size_t* total_bytes);

/* ---- memory ---- */
flagos_hal_status flagos_hal_malloc(int device, size_t size, void** ptr);
flagos_hal_status flagos_hal_free(int device, void* ptr);
flagos_hal_status flagos_hal_host_alloc(size_t size, void** ptr); /* page-locked where the platform has it */
flagos_hal_status flagos_hal_host_free(void* ptr);
flagos_hal_status flagos_hal_memcpy(void* dst, const void* src, size_t size, flagos_hal_copy_kind kind);
flagos_hal_status flagos_hal_memcpy_async(void* dst, const void* src, size_t size, flagos_hal_copy_kind kind,
                                          flagos_hal_stream stream);

/* ---- streams ---- */
flagos_hal_status flagos_hal_stream_priority_range(int* least, int* greatest);
flagos_hal_status flagos_hal_stream_create(int device, int priority, flagos_hal_stream* stream);
flagos_hal_status flagos_hal_stream_destroy(flagos_hal_stream stream);
flagos_hal_status flagos_hal_stream_synchronize(flagos_hal_stream stream);
flagos_hal_status flagos_hal_stream_query(flagos_hal_stream stream); /* SUCCESS or NOT_READY */
flagos_hal_status flagos_hal_stream_wait_event(flagos_hal_stream stream, flagos_hal_event event);

/* ---- events ---- */
flagos_hal_status flagos_hal_event_create(int device, unsigned flags, flagos_hal_event* event);
flagos_hal_status flagos_hal_event_destroy(flagos_hal_event event);
flagos_hal_status flagos_hal_event_record(flagos_hal_event event, flagos_hal_stream stream);
flagos_hal_status flagos_hal_event_query(flagos_hal_event event); /* SUCCESS or NOT_READY */
flagos_hal_status flagos_hal_event_synchronize(flagos_hal_event event);
flagos_hal_status flagos_hal_event_elapsed_ms(float* ms, flagos_hal_event start, flagos_hal_event end);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FLAGOS_RUNTIME_HAL_FLAGOS_HAL_H_ */
