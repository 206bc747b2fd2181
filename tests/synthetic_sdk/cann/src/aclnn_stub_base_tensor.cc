// The descriptors of the SYNTHETIC stand-in aclnn base library (libnnopbase.so; see
// aclnn_stub_internal.h): aclCreateTensor / aclCreateScalar / aclCreateIntArray /
// aclCreateBoolArray and their destructors (include/aclnn/acl_meta.h). Descriptors are tracked
// while alive, so that an operator given a destroyed one, or a second destroy, is refused instead
// of reading freed memory. Every
// call is recorded and takes injected faults like an AscendCL call.
#include <cstring>
#include <set>
#include <string>

#include "acl_stub_exports.h"
#include "aclnn_stub_internal.h"
#include "stub_support.h"

using flagos_synthetic::Call;
using flagos_synthetic::call_of;
using flagos_synthetic::Fault;
using flagos_synthetic::Runtime;
using flagos_synthetic::acl_stub::current_device;
using namespace flagos_synthetic::aclnn_stub;

namespace flagos_synthetic {
namespace aclnn_stub {
namespace {

// The live descriptors of each kind (one set per kind: a freed tensor's address reused by a
// scalar must not make the tensor look alive).
enum Kind { kTensors, kScalars, kIntArrays, kBoolArrays, kKinds };
std::set<const void*>& live(Kind kind) {
  static auto* objects = new std::set<const void*>[kKinds];  // never destroyed, like the Runtime
  return objects[kind];
}

// Records `call`; true (and the fault's message left) if a fault was injected for it.
bool faulted(const Call& call, aclnnStatus* code) {
  Fault fault;
  if (!enter(call, current_device(), &fault)) return false;
  synthetic_acl_set_error(fault.message.c_str());
  *code = fault.code;
  return true;
}

// Why aclCreateTensor refuses a layout ("" if it does not).
std::string layout_problem(const int64_t* dims, uint64_t ndim, aclDataType dtype, const int64_t* strides,
                           int64_t offset, aclFormat format, const int64_t* storage, uint64_t storage_ndim) {
  if (item_size(dtype) == 0) {
    return "aclDataType " + std::to_string(dtype) +
           " is not supported (the stand-in has float32, float16, bfloat16, float64, int8, uint8, int16, int32, "
           "int64, bool)";
  }
  if (format != ACL_FORMAT_ND) {
    return "format " + std::to_string(format) + " is not ACL_FORMAT_ND, the only one supported";
  }
  if (ndim > 64 || storage_ndim > 64) return "more than 64 dimensions";
  if (ndim > 0 && (!dims || !strides)) return "viewDims or stride is NULL for a " + std::to_string(ndim) + "-D view";
  if (storage_ndim > 0 && !storage) return "storageDims is NULL";
  if (offset < 0) return "negative offset " + std::to_string(offset);
  int64_t last = offset;  // the highest element the view reaches
  bool empty = false;
  for (uint64_t k = 0; k < ndim; ++k) {
    if (dims[k] < 0) return "negative size " + std::to_string(dims[k]) + " in dimension " + std::to_string(k);
    if (strides[k] < 0) return "negative stride " + std::to_string(strides[k]) + " in dimension " + std::to_string(k);
    int64_t reach = 0;
    if (dims[k] == 0) empty = true;
    if (dims[k] > 0 && (__builtin_mul_overflow(dims[k] - 1, strides[k], &reach) ||
                        __builtin_add_overflow(last, reach, &last))) {
      return "the view's extent overflows int64";
    }
  }
  int64_t extent = 1;  // storage elements
  for (uint64_t k = 0; k < storage_ndim; ++k) {
    if (storage[k] < 0) return "negative storage size " + std::to_string(storage[k]);
    if (__builtin_mul_overflow(extent, storage[k], &extent)) return "the storage's extent overflows int64";
  }
  if (!empty && last >= extent) {
    return "the view reaches element " + std::to_string(last) + " of a storage of " + std::to_string(extent) +
           " elements";
  }
  return "";
}

// ACLNN_SUCCESS if `object` is live (and forgets it), else the error for `api`.
aclnnStatus forget(const char* api, Kind kind, const void* object, const char* type) {
  if (!object) return ACLNN_SUCCESS;  // like free(NULL)
  if (!live(kind).erase(object)) {
    return fail(ACLNN_ERR_PARAM_INVALID, std::string(api) + ": not a live " + type + " (destroyed twice?)");
  }
  return ACLNN_SUCCESS;
}

// An aclDestroy* entry point: records the call, takes an injected fault, refuses a descriptor
// that is not live (destroyed already, or never created), frees it.
template <typename T>
aclnnStatus destroy(const char* api, Kind kind, const T* object, const char* type) {
  std::lock_guard<std::recursive_mutex> lock(Runtime::get().mutex());
  Call c = call_of(api);
  c.ptr = object;
  aclnnStatus code = ACLNN_SUCCESS;
  if (faulted(c, &code)) return code;
  if (aclnnStatus e = forget(api, kind, object, type)) return e;
  delete object;
  return ACLNN_SUCCESS;
}

// aclCreateIntArray / aclCreateBoolArray: a copy of `size` values.
template <typename Array, typename T>
Array* create_array(const char* api, Kind kind, const T* value, uint64_t size) {
  std::lock_guard<std::recursive_mutex> lock(Runtime::get().mutex());
  Call c = call_of(api);
  c.ptr = value;
  c.bytes = size;
  aclnnStatus code = ACLNN_SUCCESS;
  if (faulted(c, &code)) return nullptr;
  if (!value && size > 0) {
    fail(ACLNN_ERR_PARAM_NULLPTR, std::string(api) + ": value is NULL for " + std::to_string(size) + " elements");
    return nullptr;
  }
  auto* a = new Array();
  if (size > 0) a->values.assign(value, value + size);
  live(kind).insert(a);
  return a;
}

}  // namespace

aclnnStatus fail(aclnnStatus code, const std::string& message) {
  synthetic_acl_set_error(("synthetic aclnn: " + message).c_str());
  return code;
}

bool live_tensor(const aclTensor* t) {
  std::lock_guard<std::recursive_mutex> lock(Runtime::get().mutex());
  return t && live(kTensors).count(t);
}

bool live_scalar(const aclScalar* s) {
  std::lock_guard<std::recursive_mutex> lock(Runtime::get().mutex());
  return s && live(kScalars).count(s);
}

bool live_int_array(const aclIntArray* a) {
  std::lock_guard<std::recursive_mutex> lock(Runtime::get().mutex());
  return a && live(kIntArrays).count(a);
}

bool live_bool_array(const aclBoolArray* a) {
  std::lock_guard<std::recursive_mutex> lock(Runtime::get().mutex());
  return a && live(kBoolArrays).count(a);
}

double scalar_value(const aclScalar& s) { return load(s.dtype, s.value); }

}  // namespace aclnn_stub
}  // namespace flagos_synthetic

extern "C" {

aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t viewDimsNum, aclDataType dataType, const int64_t* stride,
                           int64_t offset, aclFormat format, const int64_t* storageDims, uint64_t storageDimsNum,
                           void* tensorData) {
  std::lock_guard<std::recursive_mutex> lock(Runtime::get().mutex());
  Call c = call_of("aclCreateTensor");
  c.ptr = tensorData;
  c.bytes = viewDimsNum;
  c.flags = static_cast<unsigned>(dataType);
  c.value = offset;
  aclnnStatus code = ACLNN_SUCCESS;
  if (faulted(c, &code)) return nullptr;
  const std::string problem =
      layout_problem(viewDims, viewDimsNum, dataType, stride, offset, format, storageDims, storageDimsNum);
  if (!problem.empty()) {
    fail(ACLNN_ERR_PARAM_INVALID, "aclCreateTensor: " + problem);
    return nullptr;
  }
  auto* t = new aclTensor();
  t->dtype = dataType;
  if (viewDimsNum > 0) {
    t->shape.assign(viewDims, viewDims + viewDimsNum);
    t->strides.assign(stride, stride + viewDimsNum);
  }
  if (storageDimsNum > 0) t->storage.assign(storageDims, storageDims + storageDimsNum);
  t->offset = offset;
  t->data = tensorData;
  live(kTensors).insert(t);
  return t;
}

aclnnStatus aclDestroyTensor(const aclTensor* tensor) {
  return destroy("aclDestroyTensor", kTensors, tensor, "aclTensor");
}

aclScalar* aclCreateScalar(void* value, aclDataType dataType) {
  std::lock_guard<std::recursive_mutex> lock(Runtime::get().mutex());
  Call c = call_of("aclCreateScalar");
  c.ptr = value;
  c.flags = static_cast<unsigned>(dataType);
  aclnnStatus code = ACLNN_SUCCESS;
  if (faulted(c, &code)) return nullptr;
  if (!value) {
    fail(ACLNN_ERR_PARAM_NULLPTR, "aclCreateScalar: value is NULL");
    return nullptr;
  }
  if (item_size(dataType) == 0) {
    fail(ACLNN_ERR_PARAM_INVALID, "aclCreateScalar: aclDataType " + std::to_string(dataType) + " is not supported");
    return nullptr;
  }
  auto* s = new aclScalar();
  s->dtype = dataType;
  std::memcpy(s->value, value, item_size(dataType));
  live(kScalars).insert(s);
  return s;
}

aclnnStatus aclDestroyScalar(const aclScalar* scalar) {
  return destroy("aclDestroyScalar", kScalars, scalar, "aclScalar");
}

aclIntArray* aclCreateIntArray(const int64_t* value, uint64_t size) {
  return create_array<aclIntArray>("aclCreateIntArray", kIntArrays, value, size);
}

aclnnStatus aclDestroyIntArray(const aclIntArray* array) {
  return destroy("aclDestroyIntArray", kIntArrays, array, "aclIntArray");
}

aclBoolArray* aclCreateBoolArray(const bool* value, uint64_t size) {
  return create_array<aclBoolArray>("aclCreateBoolArray", kBoolArrays, value, size);
}

aclnnStatus aclDestroyBoolArray(const aclBoolArray* array) {
  return destroy("aclDestroyBoolArray", kBoolArrays, array, "aclBoolArray");
}

}  // extern "C"
