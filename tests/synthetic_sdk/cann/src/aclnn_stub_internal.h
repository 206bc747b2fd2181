// Internals of the SYNTHETIC stand-in aclnn libraries (tests/synthetic_sdk/README.md). Not
// Huawei's libraries: they implement the aclnn subset of include/aclnn and include/aclnnop on the
// synthetic device (host memory, streams that run later) of synthetic_device.h.
//  - libnnopbase.so (aclnn_stub_base_*.cc): the descriptors of acl_meta.h (tensors, scalars, int
//    arrays, bool arrays), element types and conversions, and the view helpers below, which libopapi.so uses.
//  - libopapi.so (aclnn_stub_op_*.cc): the operators. Phase 1 (aclnnXxxGetWorkspaceSize) checks
//    the arguments and builds an executor holding copies of the descriptors and the computation;
//    phase 2 (aclnnXxx) checks executor, workspace and stream, then enqueues the computation on
//    the stream (it runs when the stream does) and consumes the executor.
// Both link against libascendcl.so, whose Runtime (one per process) they share: every call is
// recorded and takes injected faults like an AscendCL call (enter()), and messages go to
// aclGetRecentErrMsg (acl_stub_exports.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "aclnn/acl_meta.h"
#include "synthetic_device.h"

// The descriptors acl_meta.h declares opaque. Plain values: executors copy them.
struct aclTensor {
  aclDataType dtype = ACL_DT_UNDEFINED;
  std::vector<int64_t> shape;    // view sizes
  std::vector<int64_t> strides;  // in elements
  int64_t offset = 0;            // in elements, from data
  std::vector<int64_t> storage;  // storage dims (ND: its element count)
  void* data = nullptr;          // the storage base
};

struct aclScalar {
  aclDataType dtype = ACL_DT_UNDEFINED;
  alignas(8) unsigned char value[8] = {};
};

struct aclIntArray {
  std::vector<int64_t> values;
};

struct aclBoolArray {
  std::vector<bool> values;
};

namespace flagos_synthetic {
namespace aclnn_stub {

// ---- libnnopbase.so (exported to libopapi.so) ------------------------------------------------

// Leaves "synthetic aclnn: <message>" for aclGetRecentErrMsg and returns `code`.
aclnnStatus fail(aclnnStatus code, const std::string& message);

// Element types: the stand-in supports the ten of acl_base.h's aclDataType.
size_t item_size(aclDataType dtype);  // 0: not supported
const char* dtype_name(aclDataType dtype);
bool is_floating(aclDataType dtype);  // float32, float16, bfloat16, float64
bool is_integral(aclDataType dtype);  // the integer types and bool
// One element as double, and a double stored as one element (float16 and bfloat16 rounded to
// nearest, ties to even; integers toward zero, saturating, NaN to 0; bool: nonzero).
double load(aclDataType dtype, const void* p);
void store(aclDataType dtype, void* p, double value);
// One element converted between types: exact for equal types and between integral types (which
// wrap like a C++ conversion), through double otherwise.
void convert(aclDataType to, void* dst, aclDataType from, const void* src);
// float16 / bfloat16 bit patterns <-> double.
uint16_t half_bits(double value);
double half_value(uint16_t bits);
uint16_t bf16_bits(double value);
double bf16_value(uint16_t bits);

// Descriptors created by aclCreate* and not yet destroyed.
bool live_tensor(const aclTensor* t);
bool live_scalar(const aclScalar* s);
bool live_int_array(const aclIntArray* a);
bool live_bool_array(const aclBoolArray* a);
double scalar_value(const aclScalar& s);

// Shapes and views.
int64_t numel(const std::vector<int64_t>& shape);
std::string shape_str(const std::vector<int64_t>& shape);  // "[2, 3]"
// numpy broadcasting of two shapes; false if they do not broadcast.
bool broadcast(const std::vector<int64_t>& a, const std::vector<int64_t>& b, std::vector<int64_t>* out);
// The bytes a view can touch, from its lowest to its highest element; false for an empty view.
bool view_bytes(const aclTensor& t, const void** begin, size_t* bytes);
// Address of the element at `offset` elements from the storage base.
inline char* element(const aclTensor& t, int64_t offset) {
  return static_cast<char*>(t.data) + offset * static_cast<int64_t>(item_size(t.dtype));
}
// t's strides for reading it broadcast to `shape` (0 along broadcast dimensions).
std::vector<int64_t> strides_for(const aclTensor& t, const std::vector<int64_t>& shape);
// Calls f(i, element offset) for the i-th element, in row-major order, of a view of `shape`.
template <typename F>
void walk(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides, int64_t offset, F&& f) {
  const int64_t n = numel(shape);
  std::vector<int64_t> index(shape.size(), 0);
  int64_t at = offset;
  for (int64_t i = 0; i < n; ++i) {
    f(i, at);
    for (size_t k = shape.size(); k-- > 0;) {
      if (++index[k] < shape[k]) {
        at += strides[k];
        break;
      }
      at -= strides[k] * (shape[k] - 1);
      index[k] = 0;
    }
  }
}
// The elements of t (broadcast to `shape`), row-major, as doubles; and the reverse for a whole view.
std::vector<double> gather(const aclTensor& t, const std::vector<int64_t>& shape);
inline std::vector<double> gather(const aclTensor& t) { return gather(t, t.shape); }
void scatter(const aclTensor& t, const std::vector<double>& values);
// dst = src broadcast to dst's shape, converted with convert(); safe when the two views overlap.
void copy_convert(const aclTensor& dst, const aclTensor& src);

// ---- libopapi.so (aclnn_stub_op_*.cc) --------------------------------------------------------

// Where the computation runs: the stream handle as passed to aclnnXxx and its device. (Outside
// the hidden section below: aclOpExecutor, declared public by acl_meta.h, holds a function of it.)
struct Job {
  const void* stream = nullptr;
  int device = -1;
};

#pragma GCC visibility push(hidden)

// Fixed workspace sizes (bytes) of the operators that ask for one; the others ask for 0.
constexpr uint64_t kMmWorkspace = 1024;
constexpr uint64_t kBatchMatMulWorkspace = 2048;
constexpr uint64_t kSoftmaxWorkspace = 512;
constexpr uint64_t kSoftmaxBackwardWorkspace = 384;
constexpr uint64_t kLayerNormWorkspace = 1536;
constexpr uint64_t kRmsNormWorkspace = 768;
constexpr uint64_t kRmsNormGradWorkspace = 896;
constexpr uint64_t kMeanWorkspace = 640;
constexpr uint64_t kLayerNormBackwardWorkspace = 1664;
constexpr uint64_t kEmbeddingDenseBackwardWorkspace = 1152;

// What phase 1 requires of an argument (a bit mask).
enum Want : unsigned {
  kAnyType = 0,
  kFloating = 1u,  // a floating dtype
  kIndex = 2u,     // int32 or int64
  kWritten = 4u,   // an output: no two elements at one address (no stride 0 over a size > 1)
  kOptional = 8u,  // may be NULL
};

struct Arg {
  enum Kind { kTensor, kScalar, kIntArray, kBoolArray } kind;
  const void* ptr;
  const char* name;
  unsigned want;
};
inline Arg tensor_arg(const aclTensor* t, const char* name, unsigned want = kAnyType) {
  return {Arg::kTensor, t, name, want};
}
inline Arg scalar_arg(const aclScalar* s, const char* name) { return {Arg::kScalar, s, name, kAnyType}; }
inline Arg int_array_arg(const aclIntArray* a, const char* name) { return {Arg::kIntArray, a, name, kAnyType}; }
inline Arg bool_array_arg(const aclBoolArray* a, const char* name) { return {Arg::kBoolArray, a, name, kAnyType}; }

// Phase 1 of operator `op` ("aclnnMm"): holds the Runtime's lock; records the call
// "<op>GetWorkspaceSize" (Call.flags = `flags`, an operator argument such as cubeMathType) and
// applies an injected fault; then checks the output pointers and `args`: NULL where required
// (ACLNN_ERR_PARAM_NULLPTR) first, then live descriptors, dtypes, at most 8 dimensions, and tensor
// data inside device memory (ACLNN_ERR_PARAM_INVALID). The operator checks the rest, then finish().
class Prepare {
 public:
  Prepare(const char* op, unsigned flags, uint64_t* workspace_size, aclOpExecutor** executor,
          const std::vector<Arg>& args);
  bool ok() const { return status_ == ACLNN_SUCCESS; }
  aclnnStatus status() const { return status_; }
  // ACLNN_ERR_PARAM_INVALID with "<op>: <problem>".
  aclnnStatus invalid(const std::string& problem);
  // Creates the executor (`workspace` bytes, copies of the checked tensors, the computation) and
  // returns it with its workspace size.
  aclnnStatus finish(uint64_t workspace, std::function<void(const Job&)> run);

 private:
  aclnnStatus check_tensor(const aclTensor* t, const char* name, unsigned want);

  std::lock_guard<std::recursive_mutex> lock_;
  std::string op_;
  aclnnStatus status_ = ACLNN_SUCCESS;
  uint64_t* workspace_size_;
  aclOpExecutor** executor_;
  std::vector<std::pair<std::string, aclTensor>> tensors_;
};

// Phase 2 of operator `op`: records the call `op` (stream, workspace, its size, the current
// device) and applies an injected fault; checks the executor (live, of `op`), the workspace size
// and memory, the stream (ACLNN_ERR_RUNTIME_ERROR with the runtime's message if it is dead or of
// another device) and that every tensor is on the stream's device; then enqueues the computation,
// followed by a 0xFF fill of the workspace (a workspace reused too early is overwritten), and
// consumes the executor.
aclnnStatus launch(const char* op, void* workspace, uint64_t workspace_size, aclOpExecutor* executor,
                   aclrtStream stream);

#pragma GCC visibility pop

}  // namespace aclnn_stub
}  // namespace flagos_synthetic
