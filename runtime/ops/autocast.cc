// torch.autocast("flagos"): the same casting policies PyTorch applies on CUDA, from the op lists
// ATen publishes for reuse by other backends (ATen/autocast_mode.h), registered for the
// AutocastPrivateUse1 key. Every other op falls through unchanged.
#include <ATen/autocast_mode.h>
#include <torch/library.h>

TORCH_LIBRARY_IMPL(_, AutocastPrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFallthrough());
}

#define FLAGOS_AUTOCAST_LOWER(...) KERNEL_PRIVATEUSEONE(__VA_ARGS__, lower_precision_fp)
#define FLAGOS_AUTOCAST_FP32(...) KERNEL_PRIVATEUSEONE(__VA_ARGS__, fp32)
#define FLAGOS_AUTOCAST_FP32_OPT_DTYPE(...) KERNEL_PRIVATEUSEONE(__VA_ARGS__, fp32_set_opt_dtype)
#define FLAGOS_AUTOCAST_PROMOTE(...) KERNEL_PRIVATEUSEONE(__VA_ARGS__, promote)

TORCH_LIBRARY_IMPL(aten, AutocastPrivateUse1, m) {
  // The op lists spell signatures with ATen's unqualified type names (which differ between torch
  // versions, e.g. DimnameList exists in 2.11 only).
  using namespace at;  // NOLINT(build/namespaces)
  AT_FORALL_LOWER_PRECISION_FP(FLAGOS_AUTOCAST_LOWER)
  AT_FORALL_FP32(FLAGOS_AUTOCAST_FP32)
  AT_FORALL_FP32_SET_OPT_DTYPE(FLAGOS_AUTOCAST_FP32_OPT_DTYPE)
  AT_FORALL_DIFFERENT_REDISPATCH_SIGNATURE(KERNEL_DIFFERENT_REDISPATCH_SIGNATURE_PRIVATEUSEONE)
  AT_FORALL_PROMOTE(FLAGOS_AUTOCAST_PROMOTE)
}
