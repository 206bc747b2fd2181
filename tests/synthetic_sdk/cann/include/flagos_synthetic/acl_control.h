/* Test-control API of the SYNTHETIC AscendCL stand-in (tests/synthetic_sdk/README.md).
 * Exists only in the stand-in's libascendcl.so: tests use it to inject failures and to see which
 * ACL calls flagos made, with which devices, streams and arguments. */
#ifndef FLAGOS_SYNTHETIC_ACL_CONTROL_H_
#define FLAGOS_SYNTHETIC_ACL_CONTROL_H_

#include <stddef.h>

#include "acl/acl.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct synthetic_acl_call {
  int device;         /* the device the call acted on (the thread's current device); -1 if none */
  const void* stream; /* the stream handle as passed (NULL: the default stream) */
  const void* ptr;    /* the main pointer argument: allocation, copy destination, event */
  size_t bytes;       /* size or count */
  int kind;           /* aclrtMemcpyKind of copies; -1 otherwise */
  unsigned flags;     /* event flags, malloc policy */
} synthetic_acl_call;

/* The next `times` calls of `api` (e.g. "aclrtMalloc") fail with `code` and leave `message` for
 * aclGetRecentErrMsg(); times <= 0 cancels. Faulted calls are still recorded. */
ACL_FUNC_VISIBILITY void synthetic_acl_fail_next(const char* api, int code, const char* message, int times);
/* How many times `api` was called since the process started or synthetic_acl_clear(). */
ACL_FUNC_VISIBILITY int synthetic_acl_call_count(const char* api);
/* The index-th recorded call of `api` (index < 0 counts from the end: -1 is the latest);
 * returns 1 and fills *out when there is one, 0 otherwise. */
ACL_FUNC_VISIBILITY int synthetic_acl_get_call(const char* api, int index, synthetic_acl_call* out);
/* Forgets recorded calls and pending faults (devices, memory and streams are kept). */
ACL_FUNC_VISIBILITY void synthetic_acl_clear(void);
/* Operations queued on `stream` and not yet executed (NULL: the current device's default stream;
 * -1 for an unknown stream). */
ACL_FUNC_VISIBILITY int synthetic_acl_pending(aclrtStream stream);
/* Bytes allocated on `device` by aclrtMalloc and not freed. */
ACL_FUNC_VISIBILITY size_t synthetic_acl_device_used(int device);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACL_CONTROL_H_ */
