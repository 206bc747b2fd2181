/* SYNTHETIC stand-in for CANN's acl/acl_base.h (tests/synthetic_sdk/README.md).
 *
 * Written by flagos from Huawei's public AscendCL API reference: it declares only the types,
 * constants and functions flagos' ascend HAL and aclnn kernels use, with the names, signatures
 * and numeric values the public documentation gives. It is not Huawei's header.
 */
#ifndef FLAGOS_SYNTHETIC_ACL_BASE_H_
#define FLAGOS_SYNTHETIC_ACL_BASE_H_

#include <stddef.h>
#include <stdint.h>

#include "acl/error_codes/rt_error_codes.h"

#define ACL_FUNC_VISIBILITY __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

typedef int aclError;
typedef void* aclrtStream;
typedef void* aclrtEvent;

/* AscendCL (non-runtime) error codes. */
static const int ACL_SUCCESS = 0;
static const int ACL_ERROR_NONE = 0;
static const int ACL_ERROR_INVALID_PARAM = 100000;
static const int ACL_ERROR_UNINITIALIZE = 100001;
static const int ACL_ERROR_REPEAT_INITIALIZE = 100002;
static const int ACL_ERROR_BAD_ALLOC = 200000;
static const int ACL_ERROR_INVALID_DEVICE = 200002;
static const int ACL_ERROR_FEATURE_UNSUPPORTED = 200006;
static const int ACL_ERROR_INTERNAL_ERROR = 500000;

/* Element types of tensors and scalars (aclnn's aclCreateTensor / aclCreateScalar). Only the
 * values flagos maps torch dtypes to; the stand-in aclnn supports exactly these. */
typedef enum aclDataType {
  ACL_DT_UNDEFINED = -1,
  ACL_FLOAT = 0,
  ACL_FLOAT16 = 1,
  ACL_INT8 = 2,
  ACL_INT32 = 3,
  ACL_UINT8 = 4,
  ACL_INT16 = 6,
  ACL_INT64 = 9,
  ACL_DOUBLE = 11,
  ACL_BOOL = 12,
  ACL_BF16 = 27
} aclDataType;

/* Memory layouts of tensors. flagos describes every tensor as ND (sizes + strides); the stand-in
 * aclnn accepts ACL_FORMAT_ND only. */
typedef enum aclFormat {
  ACL_FORMAT_UNDEFINED = -1,
  ACL_FORMAT_NCHW = 0,
  ACL_FORMAT_NHWC = 1,
  ACL_FORMAT_ND = 2
} aclFormat;

typedef enum aclDeviceInfo {
  ACL_DEVICE_INFO_AI_CORE_NUM = 0,
  ACL_DEVICE_INFO_VECTOR_CORE_NUM = 1,
  ACL_DEVICE_INFO_L2_SIZE = 2
} aclDeviceInfo;

ACL_FUNC_VISIBILITY aclError aclGetDeviceCapability(uint32_t deviceId, aclDeviceInfo deviceInfo, int64_t* value);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACL_BASE_H_ */
