/* SYNTHETIC stand-in for CANN's acl/acl.h (tests/synthetic_sdk/README.md): process set-up and
 * error messages, plus the runtime subset in acl_rt.h. Names and signatures follow Huawei's
 * public AscendCL API reference. Not Huawei's header. */
#ifndef FLAGOS_SYNTHETIC_ACL_H_
#define FLAGOS_SYNTHETIC_ACL_H_

#include "acl/acl_base.h"
#include "acl/acl_rt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Once per process, before any other call; a second call returns ACL_ERROR_REPEAT_INITIALIZE. */
ACL_FUNC_VISIBILITY aclError aclInit(const char* configPath);
ACL_FUNC_VISIBILITY aclError aclFinalize(void);
/* The detail of this thread's most recent failure ("" when there is none). */
ACL_FUNC_VISIBILITY const char* aclGetRecentErrMsg(void);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACL_H_ */
