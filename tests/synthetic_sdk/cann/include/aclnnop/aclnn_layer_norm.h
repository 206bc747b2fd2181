/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_layer_norm.h (tests/synthetic_sdk/README.md): the signatures
 * of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the synthetic
 * device. Not Huawei's header.
 *
 * aclnnLayerNorm: layer normalisation over the trailing len(normalizedShape) dimensions of input
 * (which must equal normalizedShape): out = (input - mean) * rstd * weight + bias, rstd =
 * 1 / sqrt(biased variance + eps). weight, bias, mean and rstd are optional; mean and rstd have the
 * shape input.shape[:axis] + [1] * len(normalizedShape).
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_LAYER_NORM_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_LAYER_NORM_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnLayerNormGetWorkspaceSize(const aclTensor* input,
                                                               const aclIntArray* normalizedShape,
                                                               const aclTensor* weightOptional,
                                                               const aclTensor* biasOptional, double eps,
                                                               aclTensor* out, aclTensor* meanOutOptional,
                                                               aclTensor* rstdOutOptional,
                                                               uint64_t* workspaceSize,
                                                               aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnLayerNorm(void* workspace, uint64_t workspaceSize,
                                               aclOpExecutor* executor, aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_LAYER_NORM_H_ */
