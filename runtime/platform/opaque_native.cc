// The native side of runtime/core/platform.h for platforms whose device memory no ATen device in
// this process can read (ascend: NPU memory, whose PyTorch kernels torch_npu registers under the
// PrivateUse1 key flagos itself takes; metax on the synthetic SDK: stock PyTorch has no MetaX
// device). No native aliases (opaque_memory.h): the cpu provider computes on the CPU and draws
// random numbers from a CPU generator, and a native call only makes its flagos device current
// (device_switch.h). One copy for every such platform; a platform whose native side differs
// writes its own platforms/<p>/native.cc instead of depending on this.
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
