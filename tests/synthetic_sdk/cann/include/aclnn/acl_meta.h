/* SYNTHETIC stand-in for CANN's aclnn/acl_meta.h (tests/synthetic_sdk/README.md).
 *
 * The aclnn base API flagos' ascend kernels use: the opaque descriptor types every aclnn operator
 * takes (tensors, scalars, integer arrays, executors), their constructors and destructors, and
 * the aclnn status codes. Names, signatures and values follow Huawei's public aclnn API
 * reference; the comments are flagos' own summary of what the stand-in (libnnopbase.so) does.
 * Not Huawei's header. */
#ifndef FLAGOS_SYNTHETIC_ACLNN_ACL_META_H_
#define FLAGOS_SYNTHETIC_ACLNN_ACL_META_H_

#include <stdint.h>
#include <stdbool.h>

#include "acl/acl_base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t aclnnStatus;

static const aclnnStatus ACLNN_SUCCESS = 0;
static const aclnnStatus ACLNN_ERR_PARAM_NULLPTR = 161001;  /* a required argument is NULL */
static const aclnnStatus ACLNN_ERR_PARAM_INVALID = 161002;  /* shape, dtype, device... not accepted */
static const aclnnStatus ACLNN_ERR_RUNTIME_ERROR = 361001;  /* the runtime refused (stream, device) */
static const aclnnStatus ACLNN_ERR_INNER = 561000;

typedef struct aclTensor aclTensor;
typedef struct aclScalar aclScalar;
typedef struct aclIntArray aclIntArray;
typedef struct aclBoolArray aclBoolArray;
typedef struct aclOpExecutor aclOpExecutor;

/* A tensor view of device memory. Strides and offset count ELEMENTS: element (i0, ..., in-1) is at
 * tensorData + (offset + sum(ik * stride[k])) * itemsize, where tensorData is the base of the
 * storage and storageDims its extent (for ACL_FORMAT_ND, one dimension: the storage's element
 * count). The descriptor keeps copies of the arrays, not of the data. NULL (and a message for
 * aclGetRecentErrMsg) for an unsupported dtype or format, a negative size, stride or offset, or a
 * view reaching past the storage. */
ACL_FUNC_VISIBILITY aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t viewDimsNum,
                                               aclDataType dataType, const int64_t* stride, int64_t offset,
                                               aclFormat format, const int64_t* storageDims,
                                               uint64_t storageDimsNum, void* tensorData);
/* Destroying NULL does nothing; destroying a descriptor twice is ACLNN_ERR_PARAM_INVALID. */
ACL_FUNC_VISIBILITY aclnnStatus aclDestroyTensor(const aclTensor* tensor);

/* A host value (copied: `value` points to one element of `dataType`). */
ACL_FUNC_VISIBILITY aclScalar* aclCreateScalar(void* value, aclDataType dataType);
ACL_FUNC_VISIBILITY aclnnStatus aclDestroyScalar(const aclScalar* scalar);

/* A host array of integers (copied), e.g. a normalized shape. */
ACL_FUNC_VISIBILITY aclIntArray* aclCreateIntArray(const int64_t* value, uint64_t size);
ACL_FUNC_VISIBILITY aclnnStatus aclDestroyIntArray(const aclIntArray* array);

/* A host array of booleans (copied), e.g. an output mask. */
ACL_FUNC_VISIBILITY aclBoolArray* aclCreateBoolArray(const bool* value, uint64_t size);
ACL_FUNC_VISIBILITY aclnnStatus aclDestroyBoolArray(const aclBoolArray* array);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNN_ACL_META_H_ */
