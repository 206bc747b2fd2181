/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_layer_norm_backward.h (tests/synthetic_sdk/README.md):
 * the signatures of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the
 * synthetic device. Not Huawei's header.
 *
 * aclnnLayerNormBackward: the backward of aclnnLayerNorm over the trailing normalizedShape
 * dimensions of input, from the forward's mean and rstd (one value per row: input.shape[:axis],
 * optionally followed by ones). With xhat = (input - mean) * rstd and gw = gradOut * weight (weight
 * of ones when weightOptional is NULL), per row: gradInputOut = rstd * (gw - mean(gw) - xhat *
 * mean(gw * xhat)); over rows: gradWeightOut = sum(gradOut * xhat), gradBiasOut = sum(gradOut).
 * outputMask (three booleans) says which of the three outputs to write; an output left out may be
 * NULL. gradInputOut has input's shape, gradWeightOut and gradBiasOut normalizedShape.
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_LAYER_NORM_BACKWARD_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_LAYER_NORM_BACKWARD_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnLayerNormBackwardGetWorkspaceSize(
    const aclTensor* gradOut, const aclTensor* input, const aclIntArray* normalizedShape, const aclTensor* mean,
    const aclTensor* rstd, const aclTensor* weightOptional, const aclTensor* biasOptional,
    const aclBoolArray* outputMask, aclTensor* gradInputOut, aclTensor* gradWeightOut, aclTensor* gradBiasOut,
    uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnLayerNormBackward(void* workspace, uint64_t workspaceSize,
                                                       aclOpExecutor* executor, aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_LAYER_NORM_BACKWARD_H_ */
