// Copies between flagos and any other device, and within flagos.
//
// The flagos side(s) are presented to the native device zero-copy and the native copy_ does the
// work, so dtype conversion, strides, broadcasting, peer copies and non_blocking behave exactly as
// on the native device (on host: synchronous CPU copies; on cuda: stream-ordered async copies).
#include <ATen/Tensor.h>
#include <ATen/ops/copy_ops.h>
#include <torch/library.h>

#include "runtime/core/device.h"
#include "runtime/core/platform.h"
#include "runtime/ops/bridge.h"

namespace flagos {
namespace {

at::Tensor copy_from(const at::Tensor& self, const at::Tensor& dst, bool non_blocking) {
  const bool src_flagos = self.device().type() == kDeviceType;
  const bool dst_flagos = dst.device().type() == kDeviceType;
  const c10::DeviceIndex device = dst_flagos ? dst.device().index() : self.device().index();
  if (src_flagos && dst_flagos && self.device() == dst.device() && platform::copy_fast_path(self, dst)) return dst;
  bridge::Call call(device);
  const at::Tensor native_src = src_flagos ? call.to_native(self) : self;
  at::Tensor native_dst = dst_flagos ? call.to_native(dst) : dst;
  {
    // Straight to the native device's copy kernel (it is below autograd already).
    platform::NativeScope scope(device);
    const c10::DispatchKeySet keys =
        (native_dst.key_set() | native_src.key_set()) & c10::after_ADInplaceOrView_keyset;
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
}  // namespace flagos

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("_copy_from", TORCH_FN(flagos::copy_from));
  m.impl("_copy_from_and_resize", TORCH_FN(flagos::copy_from_and_resize));
  m.impl("record_stream", TORCH_FN(flagos::record_stream));
}
