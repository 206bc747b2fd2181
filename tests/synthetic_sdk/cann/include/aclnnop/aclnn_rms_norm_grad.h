/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_rms_norm_grad.h (tests/synthetic_sdk/README.md): the
 * signatures of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the
 * synthetic device. Not Huawei's header.
 *
 * aclnnRmsNormGrad: the backward of aclnnRmsNorm over the trailing gamma.dim dimensions of x, from
 * the forward's rstd (not recomputed): with xhat = x * rstd and gdy = dy * gamma,
 * dxOut = rstd * (gdy - xhat * mean(gdy * xhat)) per row, dgammaOut = the sum over rows of
 * dy * xhat. dy and dxOut have x's shape; rstd has one value per row (x.shape[:axis], optionally
 * followed by ones); dgammaOut has gamma's shape. Both outputs are required.
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_RMS_NORM_GRAD_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_RMS_NORM_GRAD_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnRmsNormGradGetWorkspaceSize(const aclTensor* dy, const aclTensor* x,
                                                                 const aclTensor* rstd, const aclTensor* gamma,
                                                                 const aclTensor* dxOut, const aclTensor* dgammaOut,
                                                                 uint64_t* workspaceSize,
                                                                 aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnRmsNormGrad(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                                 aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_RMS_NORM_GRAD_H_ */
