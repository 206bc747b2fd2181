// The metax platform's native side (runtime/core/platform.h): on the synthetic SDK, stock PyTorch has no device that reads MetaX memory (the
// platform proper presents it to MetaX's PyTorch build as native aliases; platforms/README.md),
// so there are no native aliases (runtime/platform/opaque_memory.h); the cpu provider computes on
// the CPU and draws random numbers from a CPU generator, and a native call only makes its flagos
// device current (runtime/platform/device_switch.h).
#include <ATen/CPUGeneratorImpl.h>

#include "runtime/core/platform.h"
#include "runtime/platform/device_switch.h"
#include "runtime/platform/opaque_memory.h"

namespace flagos::platform {

c10::Device native_device(c10::DeviceIndex /*index*/) { return c10::Device(c10::DeviceType::CPU); }
bool native_aliases_readable() { return false; }
c10::Allocator* native_alias_allocator() { return opaque_memory::no_native_alias_allocator(); }

NativeScope::NativeScope(c10::DeviceIndex index) : previous_device_(device_switch::enter(index)) {}
NativeScope::~NativeScope() { device_switch::leave(previous_device_); }

at::Generator make_engine(c10::DeviceIndex /*index*/, uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

// Attention takes the math path before asking (native aliases are unreadable).
int64_t sdp_backend(int64_t native_choice, const at::Tensor& /*query*/) { return native_choice; }

}  // namespace flagos::platform
