// Tensor creation on flagos devices: memory from the platform's device allocator.
#include <ATen/EmptyTensor.h>
#include <c10/core/DeviceGuard.h>
#include <torch/library.h>

#include "runtime/core/device.h"
#include "runtime/core/platform.h"

namespace flagos {
namespace {

const c10::DispatchKeySet kFlagosKeys(c10::DispatchKey::PrivateUse1);

c10::Device target_device(std::optional<c10::Device> device, std::optional<c10::Layout> layout,
                          std::optional<bool> pin_memory) {
  TORCH_CHECK(c10::layout_or_default(layout) == c10::Layout::Strided,
              "flagos: only strided tensors can live on flagos devices, got layout ", c10::layout_or_default(layout));
  TORCH_CHECK(!c10::pinned_memory_or_default(pin_memory),
              "flagos: pin_memory=True applies to CPU tensors only; create the tensor on 'cpu' with "
              "pin_memory=True, or drop pin_memory for a flagos tensor");
  return resolve(device.value_or(c10::Device(kDeviceType)));
}

at::Tensor empty_memory_format(c10::IntArrayRef size, std::optional<c10::ScalarType> dtype,
                               std::optional<c10::Layout> layout, std::optional<c10::Device> device,
                               std::optional<bool> pin_memory, std::optional<c10::MemoryFormat> memory_format) {
  const c10::DeviceGuard guard(target_device(device, layout, pin_memory));
  return at::detail::empty_generic(size, &platform::device_allocator(), kFlagosKeys, c10::dtype_or_default(dtype),
                                   memory_format);
}

at::Tensor empty_strided(c10::IntArrayRef size, c10::IntArrayRef stride, std::optional<c10::ScalarType> dtype,
                         std::optional<c10::Layout> layout, std::optional<c10::Device> device,
                         std::optional<bool> pin_memory) {
  const c10::DeviceGuard guard(target_device(device, layout, pin_memory));
  return at::detail::empty_strided_generic(size, stride, &platform::device_allocator(), kFlagosKeys,
                                           c10::dtype_or_default(dtype));
}

}  // namespace
}  // namespace flagos

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("empty.memory_format", TORCH_FN(flagos::empty_memory_format));
  m.impl("empty_strided", TORCH_FN(flagos::empty_strided));
}
