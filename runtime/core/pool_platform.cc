// The parts of runtime/core/platform.h shared by platforms whose device memory is flagos' own
// caching pool over the HAL and whose native side is the CPU: host and ascend (cuda's memory,
// generators and pinned memory are PyTorch's CUDA ones instead). Each such platform's platform.cc
// adds what differs: native aliases (readable or not), NativeScope.
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/Allocator.h>

#include "runtime/core/caching_allocator.h"
#include "runtime/core/device.h"
#include "runtime/core/pinned_allocator.h"
#include "runtime/core/platform.h"

namespace flagos::platform {
namespace {

struct Registration {
  Registration() { c10::SetAllocator(kDeviceType, &caching_allocator()); }
};
const Registration g_registration;

}  // namespace

c10::DeviceAllocator& device_allocator() { return caching_allocator(); }

// Where native kernels run (host) or where the cpu provider computes (ascend).
c10::Device native_device(c10::DeviceIndex /*index*/) { return c10::Device(c10::DeviceType::CPU); }

bool is_pool_memory(const c10::DataPtr& data) { return CachingAllocator::owns(data); }

// Random numbers come from a CPU generator (host: drawn in place; ascend: by the cpu provider).
at::Generator make_engine(c10::DeviceIndex /*index*/, uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

// The CPU's choice is reachable as is: its flash kernel has a device-generic entry point. (Where
// native aliases are unreadable, attention takes the math path before asking.)
int64_t sdp_backend(int64_t native_choice, const at::Tensor& /*query*/) { return native_choice; }

c10::Allocator* pinned_host_allocator() { return &pinned_allocator(); }

bool is_pinned(const void* ptr) { return pinned_allocator().contains(ptr); }

}  // namespace flagos::platform
