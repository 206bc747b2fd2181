// Flash attention for flagos tensors on the cuda platform, behind PyTorch's "overrideable" SDPA
// entry points (the backend platform::sdp_backend, below, maps CUDA's flash choice to). Forward and
// backward run CUDA's flash kernels on native aliases of the flagos tensors: same memory, current
// stream, no copies; the saved tensors autograd keeps are flagos tensors.
#include <ATen/SDPBackend.h>
#include <ATen/ops/_scaled_dot_product_flash_attention.h>
#include <ATen/ops/_scaled_dot_product_flash_attention_backward.h>
#include <torch/library.h>

#include <tuple>

#include "runtime/core/platform.h"
#include "runtime/dispatch/bridge.h"

namespace flagos {
namespace {

using Outputs = std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, c10::SymInt, c10::SymInt, at::Tensor,
                           at::Tensor, at::Tensor>;

at::Tensor native_or_undefined(bridge::Call& call, const at::Tensor& t) {
  return t.defined() ? call.to_native(t) : t;
}

Outputs flash_forward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                      const std::optional<at::Tensor>& attn_bias, double dropout_p, bool is_causal,
                      bool return_debug_mask, std::optional<double> scale) {
  TORCH_CHECK(!attn_bias.has_value() || !attn_bias->defined(),
              "flagos: flash attention takes no attention mask (SDPA chose it for masked inputs)");
  bridge::Call call(query.device().index());
  const at::Tensor q = call.to_native(query), k = call.to_native(key), v = call.to_native(value);
  Outputs native;
  {
    platform::NativeScope scope(query.device().index());
    native = at::_scaled_dot_product_flash_attention(q, k, v, dropout_p, is_causal, return_debug_mask, scale);
  }
  auto& [out, lse, cum_q, cum_k, max_q, max_k, seed, offset, debug] = native;
  return {call.to_flagos(out), call.to_flagos(lse), call.to_flagos(cum_q), call.to_flagos(cum_k), max_q, max_k,
          call.to_flagos(seed), call.to_flagos(offset), call.to_flagos(debug)};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> flash_backward(
    const at::Tensor& grad_out, const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
    const at::Tensor& /*attn_bias*/, std::array<bool, 4> /*grad_input_mask*/, const at::Tensor& out,
    const at::Tensor& logsumexp, const at::Tensor& cum_seq_q, const at::Tensor& cum_seq_k, c10::SymInt max_q,
    c10::SymInt max_k, double dropout_p, bool is_causal, const at::Tensor& philox_seed,
    const at::Tensor& philox_offset, std::optional<double> scale) {
  bridge::Call call(query.device().index());
  std::tuple<at::Tensor, at::Tensor, at::Tensor> grads;
  {
    platform::NativeScope scope(query.device().index());
    grads = at::_scaled_dot_product_flash_attention_backward_symint(
        call.to_native(grad_out), call.to_native(query), call.to_native(key), call.to_native(value),
        call.to_native(out), call.to_native(logsumexp), native_or_undefined(call, cum_seq_q),
        native_or_undefined(call, cum_seq_k), std::move(max_q), std::move(max_k), dropout_p, is_causal,
        native_or_undefined(call, philox_seed), native_or_undefined(call, philox_offset), scale);
  }
  return {call.to_flagos(std::get<0>(grads)), call.to_flagos(std::get<1>(grads)), call.to_flagos(std::get<2>(grads)),
          at::Tensor()};
}

}  // namespace

namespace platform {

// The composite reaches CUDA's flash kernel only from a CUDA tensor: from flagos it goes through the
// "overrideable" entry (below), which needs the head size flash takes without padding.
int64_t sdp_backend(int64_t native_choice, const at::Tensor& query) {
  if (native_choice != static_cast<int64_t>(at::SDPBackend::flash_attention)) return native_choice;
  return query.sym_size(-1) % 8 == 0 ? static_cast<int64_t>(at::SDPBackend::overrideable)
                                     : static_cast<int64_t>(at::SDPBackend::math);
}

}  // namespace platform
}  // namespace flagos

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("_scaled_dot_product_fused_attention_overrideable", TORCH_FN(flagos::flash_forward));
  m.impl("_scaled_dot_product_fused_attention_overrideable_backward", TORCH_FN(flagos::flash_backward));
}
