/* SYNTHETIC stand-in for CANN's aclnnop/aclnn_embedding_dense_backward.h
 * (tests/synthetic_sdk/README.md): the signatures of Huawei's public aclnn API reference; the
 * stand-in libopapi.so computes on the synthetic device. Not Huawei's header.
 *
 * aclnnEmbeddingDenseBackward: the backward of aclnnEmbedding. out (numWeights x D, grad's dtype)
 * = for each row v, the sum of the rows of grad (indices.shape + [D], or any shape whose leading
 * dims hold indices.numel() rows of D) whose index is v; the row paddingIdx stays zero (paddingIdx
 * is read as a signed value: negative = no padding row); with scaleGradByFreq each contribution is
 * divided by the number of times its index occurs in indices. indices: int32 or int64.
 * Two phases (aclnn/aclnn_base.h says how). */
#ifndef FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_EMBEDDING_DENSE_BACKWARD_H_
#define FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_EMBEDDING_DENSE_BACKWARD_H_

#include "aclnn/aclnn_base.h"

#ifdef __cplusplus
extern "C" {
#endif

ACL_FUNC_VISIBILITY aclnnStatus aclnnEmbeddingDenseBackwardGetWorkspaceSize(
    const aclTensor* grad, const aclTensor* indices, uint64_t numWeights, uint64_t paddingIdx, bool scaleGradByFreq,
    const aclTensor* out, uint64_t* workspaceSize, aclOpExecutor** executor);
ACL_FUNC_VISIBILITY aclnnStatus aclnnEmbeddingDenseBackward(void* workspace, uint64_t workspaceSize,
                                                            aclOpExecutor* executor, aclrtStream stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNNOP_ACLNN_EMBEDDING_DENSE_BACKWARD_H_ */
