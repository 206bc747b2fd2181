// flagos tensors are strided: sparse and quantized layouts get a clear error instead of a kernel.
#include <torch/library.h>

#include "runtime/routing/op_names.h"

namespace flagos::dispatch {
namespace {

void reject_layout(const c10::OperatorHandle& op, c10::DispatchKeySet keys, torch::jit::Stack*) {
  TORCH_CHECK_NOT_IMPLEMENTED(false, "flagos supports strided (dense) tensors only: ",
                              routing::full_name(op.operator_name()), " was called with a ",
                              keys.highestPriorityTypeId(), " tensor. Convert it with .to_dense() (or dequantize()) first.");
}

}  // namespace
}  // namespace flagos::dispatch

TORCH_LIBRARY_IMPL(_, SparsePrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&flagos::dispatch::reject_layout>());
}
TORCH_LIBRARY_IMPL(_, SparseCsrPrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&flagos::dispatch::reject_layout>());
}
TORCH_LIBRARY_IMPL(_, QuantizedPrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&flagos::dispatch::reject_layout>());
}
