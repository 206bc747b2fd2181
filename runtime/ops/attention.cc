// scaled_dot_product_attention on flagos tensors picks its backend like the native device does.
//
// PyTorch's composite SDPA asks a per-device "choice" function which kernel to use and falls back
// to the slow, memory-hungry math path for devices without one. flagos registers one for
// PrivateUse1: it asks the native device's own choice for the same inputs (on native aliases) and
// lets the platform map it to an entry point the composite can reach from a flagos tensor
// (platform::sdp_backend). The kernels then run through the generic kernel, zero-copy.
#include <ATen/SDPBackend.h>
#include <ATen/native/DispatchStub.h>
#include <ATen/native/transformers/attention.h>
#include <ATen/ops/_fused_sdp_choice.h>

#include "runtime/core/platform.h"
#include "runtime/dispatch/bridge.h"

namespace flagos {
namespace {

int64_t sdp_choice(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                   const std::optional<at::Tensor>& attn_mask, double dropout_p, bool is_causal,
                   std::optional<double> scale, bool enable_gqa) {
  // No native device to ask where ATen cannot read flagos memory: the composite's math path.
  if (!platform::native_aliases_readable()) return static_cast<int64_t>(at::SDPBackend::math);
  bridge::Call call(query.device().index());
  // The native choice reads more than shapes: whether an input (the mask included: T5's relative
  // position bias is trained) requires grad decides which kernels qualify. Aliases carry no autograd
  // state, so each one is marked as its flagos tensor is (such an alias is never pooled).
  const auto as_native = [&call](const at::Tensor& t) {
    at::Tensor native = call.to_native(t);
    if (t.requires_grad()) native.set_requires_grad(true);
    return native;
  };
  std::optional<at::Tensor> mask;
  if (attn_mask.has_value() && attn_mask->defined()) {
    mask = attn_mask->device() == query.device() ? as_native(*attn_mask) : *attn_mask;
  }
  const int64_t native_choice = at::_fused_sdp_choice(as_native(query), as_native(key), as_native(value), mask,
                                                      dropout_p, is_causal, scale, enable_gqa);
  return platform::sdp_backend(native_choice, query);
}

}  // namespace
}  // namespace flagos

namespace at::native {
REGISTER_PRIVATEUSE1_DISPATCH(_fused_sdp_choice_stub, &flagos::sdp_choice);
}  // namespace at::native
