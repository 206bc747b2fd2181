// `param.data = tensor` and Module.to() across devices: PyTorch asks
// _has_compatible_shallow_copy_type(self, from) whether a tensor may take another's storage and
// metadata in place. Its built-in answer covers the dense backends it knows and says no for
// PrivateUse1, so Module.to("flagos") would replace every Parameter by a new object, silently
// untying shared weights (e.g. a language model's embedding and output layer). A dense strided
// flagos tensor is as shallow-copyable as a CPU or CUDA one.
#include <ATen/core/Tensor.h>
#include <torch/library.h>

namespace flagos {
namespace {

bool dense(const at::Tensor& t) { return t.layout() == c10::kStrided && !t.is_quantized() && !t.is_nested(); }

bool has_compatible_shallow_copy_type(const at::Tensor& self, const at::Tensor& from) {
  return dense(self) && dense(from);
}

}  // namespace
}  // namespace flagos

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("_has_compatible_shallow_copy_type", TORCH_FN(flagos::has_compatible_shallow_copy_type));
}
