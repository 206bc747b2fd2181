/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_mm.h (tests/synthetic_sdk/README.md): the signatures
 * of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the synthetic
 * device. Not Huawei's header.
 *
 * aclnnMm: matrix product out = self @ mat2 (self m x k, mat2 k x n, out m x n; floating
 * dtypes). cubeMathType: 0 keep the dtype, 1 allow fp32 down-precision, 2 use fp16, 3 use hf32 (the
 * stand-in computes in double whatever it is, and refuses other values).
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_MM_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_MM_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnMmGetWorkspaceSize(const aclTensor* self, const aclTensor* mat2,
                                                        aclTensor* out, int8_t cubeMathType,
                                                        uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnMm(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                        aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_MM_H_ */
