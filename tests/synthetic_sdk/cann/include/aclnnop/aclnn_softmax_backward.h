/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_softmax_backward.h (tests/synthetic_sdk/README.md): the
 * signatures of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the
 * synthetic device. Not Huawei's header.
 *
 * aclnnSoftmaxBackward: the gradient of softmax along dim (negative: from the end) from its output:
 * out = output * (gradOutput - sum(gradOutput * output, dim)). gradOutput and output have one shape
 * and one floating dtype; out has their shape and a floating dtype, which may differ.
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_SOFTMAX_BACKWARD_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_SOFTMAX_BACKWARD_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnSoftmaxBackwardGetWorkspaceSize(const aclTensor* gradOutput,
                                                                     const aclTensor* output, int64_t dim,
                                                                     aclTensor* out, uint64_t* workspaceSize,
                                                                     aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnSoftmaxBackward(void* workspace, uint64_t workspaceSize,
                                                     aclOpExecutor* executor, aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_SOFTMAX_BACKWARD_H_ */
