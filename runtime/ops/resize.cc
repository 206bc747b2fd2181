// resize_ where ATen cannot read flagos memory (platform::native_aliases_readable() false).
//
// Elsewhere resize_ runs as the native kernel on an alias (the bridge adopts the grown storage).
// Here that path does not exist and the cpu provider cannot stand in (it resizes its result into
// the flagos tensor with resize_ itself), so flagos does it: sizes and strides are metadata, and
// a storage grows through the flagos allocator with its bytes copied by the HAL (device to device).
#include "runtime/ops/resize.h"

#include <ATen/Tensor.h>
#include <ATen/detail/PrivateUse1HooksInterface.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <memory>
#include <optional>

#include "runtime/core/platform.h"
#include "runtime/dispatch/registration.h"

namespace flagos {

void ensure_storage_bytes(const c10::Storage& storage, size_t nbytes) {
  if (storage.nbytes() >= nbytes) return;
  TORCH_CHECK(storage.resizable(), "flagos: the tensor needs ", nbytes, " bytes but its storage holds ", storage.nbytes(),
              " and is not resizable");
  at::detail::getPrivateUse1Hooks().resizePrivateUse1Bytes(storage, nbytes);
}

namespace {

// ATen's resize_ semantics: same sizes keep the strides; new sizes are contiguous (or
// `memory_format`'s); a storage too small for them grows, keeping what it held.
const at::Tensor& resize(const at::Tensor& self, c10::SymIntArrayRef size, std::optional<c10::MemoryFormat> format) {
  const c10::IntArrayRef sizes = C10_AS_INTARRAYREF_SLOW(size);
  c10::TensorImpl* impl = self.unsafeGetTensorImpl();
  if (self.sizes() != sizes) impl->set_sizes_contiguous(sizes);
  if (format.has_value()) {
    TORCH_CHECK(*format != c10::MemoryFormat::Preserve, "Unsupported memory format: Preserve");
    impl->empty_tensor_restride(*format);
  }
  if (self.numel() > 0) {
    int64_t elements = 1 + self.storage_offset();
    for (int64_t d = 0; d < self.dim(); ++d) elements += (self.size(d) - 1) * self.stride(d);
    ensure_storage_bytes(self.storage(), static_cast<size_t>(elements) * self.dtype().itemsize());
  }
  return self;
}

// Registered only on such platforms: elsewhere the routed native kernel stays in place.
const bool g_registered = [] {
  if (platform::native_aliases_readable()) return false;
  dispatch::register_at_load("resize_", torch::CppFunction(TORCH_FN(resize)));
  return true;
}();

}  // namespace
}  // namespace flagos
