// Calling aclnn (CANN's operator library) on flagos tensors: the one mechanism every ascend kernel
// of the native provider uses (platforms/ascend/kernels/README.md).
//
// An aclnn operator runs in two phases: aclnnXxxGetWorkspaceSize validates the arguments and
// returns an executor and the device workspace it needs; aclnnXxx enqueues the work on a stream.
// `run` does both on the current flagos stream, with the workspace from the flagos caching
// allocator (freed at once: the allocator reuses it only for later work on the same stream, which
// the stream orders after this operator), and turns a failed status into an exception naming the
// operator, the phase, the status and aclnn's own message.
#pragma once

#include <ATen/Tensor.h>
#include <acl/acl.h>
#include <aclnn/acl_meta.h>
#include <c10/core/Scalar.h>

#include <cstdint>

namespace flagos::ascend {

// The aclDataType of a torch dtype; throws naming the dtype for one aclnn has no type for.
aclDataType acl_dtype(c10::ScalarType type);

// Owns one aclnn descriptor (aclTensor, aclScalar, ...) and destroys it with `Destroy`; the
// classes below only differ in how they create theirs.
template <typename T, aclnnStatus (*Destroy)(const T*)>
class AclHandle {
 public:
  AclHandle(const AclHandle&) = delete;
  AclHandle& operator=(const AclHandle&) = delete;
  ~AclHandle() {
    if (handle_) (void)Destroy(handle_);
  }
  T* get() const { return handle_; }

 protected:
  AclHandle() = default;
  // Takes `created`, refusing a NULL one with `api`'s error message.
  void own(T* created, const char* api);
  T* handle_ = nullptr;
};

// An aclTensor over a flagos tensor's memory: its sizes, strides and storage offset, the storage
// base as data (no copy). Empty for an undefined tensor (an absent optional argument).
class AclTensor : public AclHandle<aclTensor, aclDestroyTensor> {
 public:
  explicit AclTensor(const at::Tensor& t);
};

// An aclScalar holding `value` converted to `type` (the dtype of the operation it scales).
class AclScalar : public AclHandle<aclScalar, aclDestroyScalar> {
 public:
  AclScalar(const c10::Scalar& value, c10::ScalarType type);
};

class AclIntArray : public AclHandle<aclIntArray, aclDestroyIntArray> {
 public:
  explicit AclIntArray(c10::IntArrayRef values);
};

// An aclBoolArray of `values` (e.g. an output mask).
class AclBoolArray : public AclHandle<aclBoolArray, aclDestroyBoolArray> {
 public:
  AclBoolArray(const bool* values, uint64_t size);
};

// Throws "flagos (ascend): <op><phase> failed with aclnn status <code>: <aclGetRecentErrMsg()>".
void check(aclnnStatus status, const char* op, const char* phase);

// The current flagos stream of the current device, as ACL's stream handle.
aclrtStream current_acl_stream();

// A workspace of `bytes` on the current flagos device (empty for 0).
c10::DataPtr workspace(uint64_t bytes);

// Runs aclnn operator `op` (its GetWorkspaceSize function `prepare` and its launch function
// `launch`) with `args` on the current flagos stream.
template <typename Prepare, typename Launch, typename... Args>
void run(const char* op, Prepare prepare, Launch launch, Args... args) {
  uint64_t bytes = 0;
  aclOpExecutor* executor = nullptr;
  check(prepare(args..., &bytes, &executor), op, "GetWorkspaceSize");
  const c10::DataPtr space = workspace(bytes);
  check(launch(space.get(), bytes, executor, current_acl_stream()), op, "");
}

}  // namespace flagos::ascend

// FLAGOS_ACLNN(Mm, a.get(), b.get(), out.get(), 0) runs aclnnMm through flagos::ascend::run.
#define FLAGOS_ACLNN(op, ...) \
  ::flagos::ascend::run("aclnn" #op, &aclnn##op##GetWorkspaceSize, &aclnn##op, __VA_ARGS__)
