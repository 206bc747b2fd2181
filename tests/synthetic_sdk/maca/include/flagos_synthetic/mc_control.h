/* Test-control API of the SYNTHETIC MACA runtime stand-in (tests/synthetic_sdk/README.md).
 * Exists only in the stand-in's libmcruntime.so: tests use it to inject failures and to see which
 * runtime calls (and kernel launches) flagos made, with which devices, streams and arguments. */
#ifndef FLAGOS_SYNTHETIC_MC_CONTROL_H_
#define FLAGOS_SYNTHETIC_MC_CONTROL_H_

#include <stddef.h>

#include "mcr/mc_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct synthetic_mc_call {
  int device;         /* the device the call acted on; -1 if none */
  const void* stream; /* the stream handle as passed (NULL: the default stream) */
  const void* ptr;    /* the main pointer argument: allocation, copy destination, event */
  size_t bytes;       /* size or count */
  int kind;           /* mcMemcpyKind of copies; -1 otherwise */
  unsigned flags;     /* stream/event flags */
  long long value;    /* stream priority (as requested) */
  char detail[128];   /* kernel launches ("mcLaunchKernel"): the kernel's name */
} synthetic_mc_call;

/* The next `times` calls of `api` (e.g. "mcMalloc", or "mcLaunchKernel" for <<<...>>> launches)
 * fail with `code`; times <= 0 cancels. Faulted calls are still recorded. */
MC_SYNTHETIC_API void synthetic_mc_fail_next(const char* api, mcError_t code, int times);
MC_SYNTHETIC_API int synthetic_mc_call_count(const char* api);
/* The index-th recorded call of `api` (index < 0 counts from the end); 1 if found. */
MC_SYNTHETIC_API int synthetic_mc_get_call(const char* api, int index, synthetic_mc_call* out);
/* Forgets recorded calls and pending faults (devices, memory and streams are kept). */
MC_SYNTHETIC_API void synthetic_mc_clear(void);
/* Operations queued on `stream` and not yet executed (NULL: the current device's default stream;
 * -1 for an unknown stream). */
MC_SYNTHETIC_API int synthetic_mc_pending(mcStream_t stream);
MC_SYNTHETIC_API size_t synthetic_mc_device_used(int device);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_MC_CONTROL_H_ */
