#include "platforms/ascend/kernels/aclnn.h"

#include <c10/util/Exception.h>

#include <vector>

#include "runtime/core/device.h"
#include "runtime/core/platform.h"
#include "runtime/core/streams.h"
#include "platforms/ascend/hal/ascend_hal.h"
#include "runtime/routing/routes.h"

namespace flagos::ascend {

// The kernels of this directory register with TORCH_LIBRARY_IMPL(aten, PrivateUse2, m), which
// needs the key spelled out: it must be the one the router dispatches platform kernels on.
static_assert(routing::kPlatformKey == c10::DispatchKey::PrivateUse2, "platforms/ascend/kernels registers on PrivateUse2");

aclDataType acl_dtype(c10::ScalarType type) {
  switch (type) {
    case c10::ScalarType::Float: return ACL_FLOAT;
    case c10::ScalarType::Half: return ACL_FLOAT16;
    case c10::ScalarType::BFloat16: return ACL_BF16;
    case c10::ScalarType::Double: return ACL_DOUBLE;
    case c10::ScalarType::Char: return ACL_INT8;
    case c10::ScalarType::Byte: return ACL_UINT8;
    case c10::ScalarType::Short: return ACL_INT16;
    case c10::ScalarType::Int: return ACL_INT32;
    case c10::ScalarType::Long: return ACL_INT64;
    case c10::ScalarType::Bool: return ACL_BOOL;
    default:
      TORCH_CHECK(false, "flagos (ascend): aclnn has no data type for ", type,
                  "; route the operator to cpu (FLAGOS_OP_<op>=cpu) for such tensors");
  }
}

template <typename T, aclnnStatus (*Destroy)(const T*)>
void AclHandle<T, Destroy>::own(T* created, const char* api) {
  const char* message = created ? nullptr : aclGetRecentErrMsg();
  TORCH_CHECK(created, "flagos (ascend): ", api, " failed: ", message ? message : "(no message)");
  handle_ = created;
}

template class AclHandle<aclTensor, aclDestroyTensor>;
template class AclHandle<aclScalar, aclDestroyScalar>;
template class AclHandle<aclIntArray, aclDestroyIntArray>;
template class AclHandle<aclBoolArray, aclDestroyBoolArray>;

AclTensor::AclTensor(const at::Tensor& t) {
  if (!t.defined()) return;
  TORCH_CHECK(!t.is_conj() && !t.is_neg(), "flagos (ascend): aclnn kernels take no conjugate or negative views; ",
              "materialise the tensor first (.resolve_conj() / .resolve_neg())");
  // The storage as one dimension of elements, the view over it by sizes, strides and offset.
  const int64_t item = static_cast<int64_t>(t.dtype().itemsize());
  const int64_t storage_elements = static_cast<int64_t>(t.storage().nbytes()) / item;
  own(aclCreateTensor(t.sizes().data(), t.dim(), acl_dtype(t.scalar_type()), t.strides().data(), t.storage_offset(),
                      ACL_FORMAT_ND, &storage_elements, 1, t.storage().mutable_data()),
      "aclCreateTensor");
}

AclScalar::AclScalar(const c10::Scalar& value, c10::ScalarType type) {
  // Stored as the operation's dtype, as ATen would apply it; reduced floats as float.
  union {
    double f64;
    float f32;
    int64_t i64;
    bool b;
  } v{};
  aclDataType acl;
  if (c10::isFloatingType(type) && type != c10::ScalarType::Double) {
    v.f32 = value.to<float>();
    acl = ACL_FLOAT;
  } else if (type == c10::ScalarType::Double) {
    v.f64 = value.to<double>();
    acl = ACL_DOUBLE;
  } else if (type == c10::ScalarType::Bool) {
    v.b = value.to<bool>();
    acl = ACL_BOOL;
  } else {
    v.i64 = value.to<int64_t>();
    acl = ACL_INT64;
  }
  own(aclCreateScalar(&v, acl), "aclCreateScalar");
}

AclIntArray::AclIntArray(c10::IntArrayRef values) {
  own(aclCreateIntArray(values.data(), values.size()), "aclCreateIntArray");
}

AclBoolArray::AclBoolArray(const bool* values, uint64_t size) {
  own(aclCreateBoolArray(values, size), "aclCreateBoolArray");
}

void check(aclnnStatus status, const char* op, const char* phase) {
  if (status == 0) return;
  const char* message = aclGetRecentErrMsg();
  TORCH_CHECK(false, "flagos (ascend): ", op, phase, " failed with aclnn status ", status, ": ",
              message ? message : "(no message)", ". Route the operator to cpu (FLAGOS_OP_<op>=cpu) to work around it");
}

aclrtStream current_acl_stream() {
  return flagos_ascend_acl_stream(hal_stream(current_stream(current_device())));
}

c10::DataPtr workspace(uint64_t bytes) {
  if (bytes == 0) return c10::DataPtr();
  return platform::device_allocator().allocate(bytes);
}

}  // namespace flagos::ascend
