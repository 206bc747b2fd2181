/* SYNTHETIC stand-in for CANN's aclnn/acl_meta.h (tests/synthetic_sdk/README.md).
 *
 * flagos calls no aclnn function yet: the ascend platform glue that will (runtime/hal/ascend/
 * platform.cc) is not written. This header exists so that the toolkit's expected layout is
 * complete and the @cann_synthetic//:aclnn target builds; it declares only the opaque types
 * every aclnn signature uses. Not Huawei's header. */
#ifndef FLAGOS_SYNTHETIC_ACLNN_ACL_META_H_
#define FLAGOS_SYNTHETIC_ACLNN_ACL_META_H_

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aclTensor aclTensor;
typedef struct aclScalar aclScalar;
typedef struct aclOpExecutor aclOpExecutor;

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_SYNTHETIC_ACLNN_ACL_META_H_ */
