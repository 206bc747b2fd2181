/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_mean.h (tests/synthetic_sdk/README.md): the signatures
 * of Huawei's public aclnn API reference; the stand-in libopapi.so computes on the synthetic
 * device. Not Huawei's header.
 *
 * aclnnMean: out = the mean of self over the dimensions in dim (each in [-rank, rank), none twice;
 * a 0-d self takes -1 and 0; an empty dim reduces every dimension), computed in dtype, stored in
 * out's dtype. out's shape: self's without the reduced dimensions, or with 1 for them when keepDim.
 * A mean over no elements is NaN.
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_MEAN_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_MEAN_H_

#include <stdbool.h>

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnMeanGetWorkspaceSize(const aclTensor* self, const aclIntArray* dim, bool keepDim,
                                                          aclDataType dtype, aclTensor* out, uint64_t* workspaceSize,
                                                          aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnMean(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor,
                                          aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_MEAN_H_ */
