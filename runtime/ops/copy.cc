// Copies between flagos and any other device, and within flagos.
//
// The flagos side(s) are presented to the native device zero-copy and the native copy_ does the
// work, so dtype conversion, strides, broadcasting, peer copies and non_blocking behave exactly as
// on the native device (on host: synchronous CPU copies; on cuda: stream-ordered async copies).
// Where ATen cannot read flagos memory (ascend), bytes go through the HAL instead (staged_copy.h).
#include <ATen/Tensor.h>
#include <ATen/ops/_neg_view.h>
#include <ATen/ops/_copy_from_and_resize_ops.h>
#include <ATen/ops/_copy_from_ops.h>
#include <ATen/ops/copy_ops.h>
#include <torch/library.h>

#include "runtime/core/device.h"
#include "runtime/core/platform.h"
#include "runtime/dispatch/bridge.h"
#include "runtime/graph/capture.h"
#include "runtime/graph/record.h"
#include "runtime/ops/staged_copy.h"

namespace flagos {
namespace {

// A native alias carries no conjugate or negative bit; views of it take those of `flagos` (the
// native copy then resolves them as it does for its own tensors).
at::Tensor with_bits(at::Tensor alias, const at::Tensor& flagos) {
  if (flagos.is_conj()) alias = alias.conj();
  if (flagos.is_neg()) alias = at::_neg_view(alias);
  return alias;
}

at::Tensor copy_from(const at::Tensor& self, const at::Tensor& dst, bool non_blocking) {
  if (C10_UNLIKELY(graph::capturing())) graph::record_copy(self, dst, non_blocking);
  const bool src_flagos = self.device().type() == kDeviceType;
  const bool dst_flagos = dst.device().type() == kDeviceType;
  const c10::DeviceIndex device = dst_flagos ? dst.device().index() : self.device().index();
  if (src_flagos && dst_flagos && self.device() == dst.device() && platform::copy_fast_path(self, dst)) return dst;
  if (!platform::native_aliases_readable()) {
    staged::copy(self, dst);
    return dst;
  }
  bridge::Call call(device);
  const at::Tensor native_src = src_flagos ? with_bits(call.to_native(self), self) : self;
  at::Tensor native_dst = dst_flagos ? with_bits(call.to_native(dst), dst) : dst;
  {
    // Straight to the native device's copy kernel (it is below autograd already).
    platform::NativeScope scope(device);
    // Without the bits' keys: their copy_ entries are fallthroughs (the kernel reads the bits).
    const c10::DispatchKeySet keys = ((native_dst.key_set() | native_src.key_set()) & c10::after_ADInplaceOrView_keyset)
                                         .remove(c10::DispatchKey::Conjugate)
                                         .remove(c10::DispatchKey::Negative);
    at::_ops::copy_::redispatch(keys, native_dst, native_src, non_blocking);
  }
  return dst;
}

at::Tensor copy_from_and_resize(const at::Tensor& self, const at::Tensor& dst) {
  dst.resize_(self.sizes());
  return copy_from(self, dst, false);
}

// Tensor.record_stream(s): the caching allocator keeps the memory until work queued on `s` is done.
void record_stream(at::Tensor& self, c10::Stream stream) {
  TORCH_CHECK(stream.device_type() == kDeviceType, "flagos: record_stream needs a flagos stream, got one of ",
              stream.device().str());
  platform::device_allocator().recordStream(self.storage().data_ptr(), stream);
}

}  // namespace

template <c10::DispatchKey Bit>
at::Tensor pass_bits(c10::DispatchKeySet keys, const at::Tensor& self, const at::Tensor& dst, bool non_blocking) {
  return at::_ops::_copy_from::redispatch(keys.remove(Bit), self, dst, non_blocking);
}

template <c10::DispatchKey Bit>
at::Tensor pass_bits_resize(c10::DispatchKeySet keys, const at::Tensor& self, const at::Tensor& dst) {
  return at::_ops::_copy_from_and_resize::redispatch(keys.remove(Bit), self, dst);
}

}  // namespace flagos

// Copies take conjugate and negative views as they are (see with_bits). Left to PyTorch's
// conjugate/negative fallback, a copy would first materialise its source with a copy, which
// comes back here as the same copy: unbounded recursion. These pass the call on, bits intact.
TORCH_LIBRARY_IMPL(aten, Conjugate, m) {
  m.impl("_copy_from", TORCH_FN(flagos::pass_bits<c10::DispatchKey::Conjugate>));
  m.impl("_copy_from_and_resize", TORCH_FN(flagos::pass_bits_resize<c10::DispatchKey::Conjugate>));
}

TORCH_LIBRARY_IMPL(aten, Negative, m) {
  m.impl("_copy_from", TORCH_FN(flagos::pass_bits<c10::DispatchKey::Negative>));
  m.impl("_copy_from_and_resize", TORCH_FN(flagos::pass_bits_resize<c10::DispatchKey::Negative>));
}

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("_copy_from", TORCH_FN(flagos::copy_from));
  m.impl("_copy_from_and_resize", TORCH_FN(flagos::copy_from_and_resize));
  m.impl("record_stream", TORCH_FN(flagos::record_stream));
}
