/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_rms_norm.h (tests/synthetic_sdk/README.md): the signatures
 * of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the synthetic
 * device. Not Huawei's header.
 *
 * aclnnRmsNorm: RMS normalisation over the trailing gamma.dim dimensions of x (which must equal
 * gamma's shape): yOut = x * rstd * gamma, rstd = 1 / sqrt(mean(x^2) + epsilon), rstdOut of shape
 * x.shape[:axis] + [1] * gamma.dim.
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_RMS_NORM_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_RMS_NORM_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnRmsNormGetWorkspaceSize(const aclTensor* x, const aclTensor* gamma,
                                                             double epsilon, const aclTensor* yOut,
                                                             const aclTensor* rstdOut,
                                                             uint64_t* workspaceSize,
                                                             aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnRmsNorm(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                             aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_RMS_NORM_H_ */
