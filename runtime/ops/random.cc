// Random operators whose native kernels draw from the native default generator without taking a
// generator argument: they would silently use the native device's numbers (and seed) instead of
// flagos'. They are composed here from ops that take a generator, which the bridge maps to the
// flagos generator (ops with a Generator argument need nothing: see fallback.cc).
#include <ATen/ops/empty_like.h>
#include <ATen/ops/ones_like.h>
#include <torch/library.h>

#include <tuple>

namespace flagos {
namespace {

// Same arithmetic as the native CPU/CUDA kernels: mask ~ Bernoulli(1-p), out = x * mask / (1-p).
std::tuple<at::Tensor, at::Tensor> native_dropout(const at::Tensor& input, double p, std::optional<bool> train) {
  if (input.numel() == 0) return {input, at::empty_like(input)};
  if (train.has_value() && !*train) {
    return {input.clone(), at::ones_like(input, input.options().dtype(c10::kBool))};
  }
  const double keep = 1. - p;
  const double scale = keep == 0 ? 0. : 1. / keep;
  at::Tensor mask = at::empty_like(input, c10::MemoryFormat::Contiguous).bernoulli_(keep);
  at::Tensor output = input.mul(mask).mul_(scale);
  return {output, mask.to(c10::kBool)};
}

}  // namespace
}  // namespace flagos

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("native_dropout", TORCH_FN(flagos::native_dropout));
}
