/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_pow.h (tests/synthetic_sdk/README.md): the signatures
 * of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the synthetic
 * device. Not Huawei's header. (Only the tensor-to-scalar power of that header.)
 *
 * aclnnPowTensorScalar: out = self ** exponent, element-wise (out has self's shape and the dtype
 * the caller promoted self and exponent to). An integral self and out with a negative integral
 * exponent is refused.
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_POW_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_POW_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnPowTensorScalarGetWorkspaceSize(const aclTensor* self, const aclScalar* exponent,
                                                                     const aclTensor* out, uint64_t* workspaceSize,
                                                                     aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnPowTensorScalar(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                                     aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_POW_H_ */
