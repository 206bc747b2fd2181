// scaled_dot_product_attention on flagos tensors picks its backend like the native device does.
//
// PyTorch's composite SDPA asks a per-device "choice" function which kernel to use and falls back
// to the slow, memory-hungry math path for devices without one. flagos registers one for
// PrivateUse1: it asks the native device's own choice for the same inputs (on native aliases) and
// lets the platform map it to an entry point the composite can reach from a flagos tensor
// (platform::sdp_backend). The kernels then run through the generic kernel, zero-copy.
//
// The choice is a question about metadata only (shapes, strides, dtypes, devices), and it is also
// asked while torch.compile traces with fake tensors, whose data cannot be touched: so the native
// device is asked about stand-ins with the inputs' metadata and no memory, not about aliases.
#include <ATen/SDPBackend.h>
#include <ATen/native/DispatchStub.h>
#include <ATen/native/transformers/attention.h>
#include <ATen/ops/_fused_sdp_choice_ops.h>
#include <c10/core/TensorImpl.h>

#include "runtime/core/platform.h"

namespace flagos {
namespace {

// A native tensor with `t`'s sizes, strides and dtype over no memory (see the header comment).
at::Tensor native_stand_in(const at::Tensor& t) {
  const c10::Device device = platform::native_device(t.device().index());
  c10::Storage storage(c10::Storage::use_byte_size_t(), 0, c10::DataPtr(nullptr, device), /*allocator=*/nullptr,
                       /*resizable=*/false);
  auto impl = c10::make_intrusive<c10::TensorImpl>(std::move(storage), platform::native_dispatch_keys(), t.dtype());
  impl->set_sizes_and_strides(t.sym_sizes(), t.sym_strides());
  return at::Tensor(std::move(impl));
}

int64_t sdp_choice(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                   const std::optional<at::Tensor>& attn_mask, double dropout_p, bool is_causal,
                   std::optional<double> scale, bool enable_gqa) {
  // No native device to ask where ATen cannot read flagos memory: the composite's math path.
  if (!platform::native_aliases_readable()) return static_cast<int64_t>(at::SDPBackend::math);
  // The native choice reads more than shapes: whether an input (the mask included: T5's relative
  // position bias is trained) requires grad decides which kernels qualify. Stand-ins carry no
  // autograd state, so each one is marked as its flagos tensor is.
  const auto as_native = [](const at::Tensor& t) {
    at::Tensor native = native_stand_in(t);
    if (t.requires_grad()) native.set_requires_grad(true);
    return native;
  };
  std::optional<at::Tensor> mask;
  if (attn_mask.has_value() && attn_mask->defined()) {
    mask = attn_mask->device() == query.device() ? as_native(*attn_mask) : *attn_mask;
  }
  const platform::NativeScope scope(query.device().index());  // the native choice reads its current device
  // Straight to the native device's kernel: a plain call would go through the fake-tensor mode
  // again, which rejects the (real) stand-ins.
  const int64_t native_choice = at::_ops::_fused_sdp_choice::redispatch(
      platform::native_dispatch_keys(), as_native(query), as_native(key), as_native(value), mask, dropout_p,
      is_causal, scale, enable_gqa);
  return platform::sdp_backend(native_choice, query);
}

}  // namespace
}  // namespace flagos

namespace at::native {
REGISTER_PRIVATEUSE1_DISPATCH(_fused_sdp_choice_stub, &flagos::sdp_choice);
}  // namespace at::native
