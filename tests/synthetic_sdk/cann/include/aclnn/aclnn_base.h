/* SYNTHETIC stand-in for CANN's aclnn/aclnn_base.h (tests/synthetic_sdk/README.md): what every
 * aclnn operator header (aclnnop/aclnn_*.h) includes, i.e. the descriptors and status codes of
 * aclnn/acl_meta.h and the stream type of acl/acl_base.h.
 *
 * Every operator runs in two phases. aclnnXxxGetWorkspaceSize checks the arguments and returns a
 * single-use executor and the size of the device workspace the operator needs (0: none).
 * aclnnXxx(workspace, workspaceSize, executor, stream) enqueues the work on the stream (NULL: the
 * current device's default stream), which must belong to the current device, as must the
 * workspace and every tensor; once it succeeds the executor is consumed. The results are there
 * once the stream has run (aclrtSynchronizeStream, an event recorded after it...). Not Huawei's
 * header. */
#ifndef FLAGOS_SYNTHETIC_ACLNN_ACLNN_BASE_H_
#define FLAGOS_SYNTHETIC_ACLNN_ACLNN_BASE_H_

#include "acl/acl_base.h"
#include "aclnn/acl_meta.h"

#endif /* FLAGOS_SYNTHETIC_ACLNN_ACLNN_BASE_H_ */
