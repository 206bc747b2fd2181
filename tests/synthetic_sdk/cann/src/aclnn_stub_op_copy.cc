// Data movement of the SYNTHETIC stand-in libopapi.so: aclnnCast, aclnnInplaceCopy, aclnnEmbedding
// (include/aclnnop/aclnn_{cast,copy,embedding}.h). Elements are converted with convert(): exact
// between equal and between integral dtypes, through double otherwise.
#include <string>

#include "aclnn_stub_internal.h"
#include "aclnnop/aclnn_cast.h"
#include "aclnnop/aclnn_copy.h"
#include "aclnnop/aclnn_embedding.h"
#include "stub_support.h"

using flagos_synthetic::Call;
using flagos_synthetic::Runtime;
using namespace flagos_synthetic::aclnn_stub;

namespace {

// Embedding's indices are read when the stream runs, too late to return an error: an index outside
// [0, V) gets a row of zeros and a note in the call record, a call of this name (Call.value: the
// index; Call.bytes: its position in indices; Call.stream and device: where the operator ran).
constexpr const char* kIndexOutOfRange = "aclnnEmbedding:index_out_of_range";

void embed(const aclTensor& weight, const aclTensor& indices, const aclTensor& out, const Job& job) {
  std::vector<int64_t> index(static_cast<size_t>(numel(indices.shape)));
  walk(indices.shape, indices.strides, indices.offset, [&](int64_t i, int64_t at) {
    convert(ACL_INT64, &index[static_cast<size_t>(i)], indices.dtype, element(indices, at));
  });
  const int64_t rows = weight.shape[0], width = weight.shape[1];
  walk(out.shape, out.strides, out.offset, [&](int64_t i, int64_t at) {
    const int64_t position = i / width, column = i % width;
    const int64_t v = index[static_cast<size_t>(position)];
    if (v < 0 || v >= rows) {
      store(out.dtype, element(out, at), 0.0);
      if (column == 0) {
        Call c;
        c.api = kIndexOutOfRange;
        c.device = job.device;
        c.stream = job.stream;
        c.value = v;
        c.bytes = static_cast<size_t>(position);
        Runtime::get().record_call(c);
      }
      return;
    }
    const int64_t from = weight.offset + v * weight.strides[0] + column * weight.strides[1];
    convert(out.dtype, element(out, at), weight.dtype, element(weight, from));
  });
}

}  // namespace

extern "C" {

aclnnStatus aclnnCastGetWorkspaceSize(const aclTensor* self, aclDataType dtype, aclTensor* out,
                                      uint64_t* workspaceSize, aclOpExecutor** executor) {
  Prepare p("aclnnCast", static_cast<unsigned>(dtype), workspaceSize, executor,
            {tensor_arg(self, "self"), tensor_arg(out, "out", kWritten)});
  if (!p.ok()) return p.status();
  if (item_size(dtype) == 0) return p.invalid("dtype " + std::to_string(dtype) + " is not supported");
  if (out->dtype != dtype) {
    return p.invalid(std::string("out is ") + dtype_name(out->dtype) + " but dtype is " + dtype_name(dtype));
  }
  if (out->shape != self->shape) {
    return p.invalid("out is " + shape_str(out->shape) + ", expected self's shape " + shape_str(self->shape));
  }
  return p.finish(0, [a = *self, c = *out](const Job&) { copy_convert(c, a); });
}

aclnnStatus aclnnCast(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnCast", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnInplaceCopyGetWorkspaceSize(aclTensor* selfRef, const aclTensor* src, uint64_t* workspaceSize,
                                             aclOpExecutor** executor) {
  Prepare p("aclnnInplaceCopy", 0, workspaceSize, executor,
            {tensor_arg(selfRef, "selfRef", kWritten), tensor_arg(src, "src")});
  if (!p.ok()) return p.status();
  std::vector<int64_t> shape;
  if (!broadcast(src->shape, selfRef->shape, &shape) || shape != selfRef->shape) {
    return p.invalid("src " + shape_str(src->shape) + " does not broadcast to selfRef's shape " +
                     shape_str(selfRef->shape));
  }
  return p.finish(0, [d = *selfRef, s = *src](const Job&) { copy_convert(d, s); });
}

aclnnStatus aclnnInplaceCopy(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnInplaceCopy", workspace, workspaceSize, executor, stream);
}

aclnnStatus aclnnEmbeddingGetWorkspaceSize(const aclTensor* weight, const aclTensor* indices, const aclTensor* out,
                                           uint64_t* workspaceSize, aclOpExecutor** executor) {
  Prepare p("aclnnEmbedding", 0, workspaceSize, executor,
            {tensor_arg(weight, "weight"), tensor_arg(indices, "indices", kIndex), tensor_arg(out, "out", kWritten)});
  if (!p.ok()) return p.status();
  if (weight->shape.size() != 2) {
    return p.invalid("weight is " + std::to_string(weight->shape.size()) + "-D, expected 2-D");
  }
  std::vector<int64_t> want = indices->shape;
  want.push_back(weight->shape[1]);
  if (out->shape != want) return p.invalid("out is " + shape_str(out->shape) + ", expected " + shape_str(want));
  return p.finish(0, [w = *weight, i = *indices, o = *out](const Job& job) { embed(w, i, o, job); });
}

aclnnStatus aclnnEmbedding(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream) {
  return launch("aclnnEmbedding", workspace, workspaceSize, executor, stream);
}

}  // extern "C"
