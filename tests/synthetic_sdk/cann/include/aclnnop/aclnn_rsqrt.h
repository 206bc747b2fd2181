/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_rsqrt.h (tests/synthetic_sdk/README.md): the signatures
 * of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the synthetic
 * device. Not Huawei's header.
 *
 * aclnnRsqrt: out = 1 / sqrt(self), element-wise (same shape; self of any dtype, out floating).
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_RSQRT_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_RSQRT_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnRsqrtGetWorkspaceSize(const aclTensor* self, aclTensor* out,
                                                           uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnRsqrt(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                           aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_RSQRT_H_ */
