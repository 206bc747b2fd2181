/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_softmax.h (tests/synthetic_sdk/README.md): the signatures
 * of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the synthetic
 * device. Not Huawei's header.
 *
 * aclnnSoftmax: softmax of self along dim (negative: from the end) into out (same shape;
 * floating dtypes, which may differ).
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_SOFTMAX_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_SOFTMAX_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnSoftmaxGetWorkspaceSize(const aclTensor* self, int64_t dim,
                                                             aclTensor* out, uint64_t* workspaceSize,
                                                             aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnSoftmax(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                             aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_SOFTMAX_H_ */
