/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_add.h (tests/synthetic_sdk/README.md): the signatures
 * of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the synthetic
 * device. Not Huawei's header.
 *
 * aclnnAdd: out = self + alpha * other, broadcasting self and other to out's shape.
 * aclnnInplaceAdd: selfRef += alpha * other, other broadcast to selfRef's shape (which the
 * broadcast shape of the two must be; selfRef keeps its dtype).
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_ADD_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_ADD_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnAddGetWorkspaceSize(const aclTensor* self, const aclTensor* other,
                                                         const aclScalar* alpha, aclTensor* out,
                                                         uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnAdd(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                         aclrtStream stream);
ACL_FUNC_VISIBILITY aclnnStatus aclnnInplaceAddGetWorkspaceSize(const aclTensor* selfRef, const aclTensor* other,
                                                                const aclScalar* alpha, uint64_t* workspaceSize,
                                                                aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnInplaceAdd(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                                aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_ADD_H_ */
