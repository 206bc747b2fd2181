// The ascend platform's side of runtime/core/platform.h.
//
// No ATen device can read NPU memory (and torch_npu, which has NPU kernels, takes the PrivateUse1
// key flagos itself takes), so there are no native aliases here: native_aliases_readable() is
// false, copies move bytes through the ACL HAL (runtime/ops/staged_copy.h), operators run on the
// cpu provider until kernels/ascend has aclnn kernels for them, and random numbers come from a CPU
// generator (the cpu provider draws them there). Memory comes from the shared caching allocator
// over aclrtMalloc; pinned host memory from aclrtMallocHost.
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/Allocator.h>
#include <c10/util/Exception.h>

#include "runtime/core/caching_allocator.h"
#include "runtime/core/device.h"
#include "runtime/core/pinned_allocator.h"
#include "runtime/core/platform.h"
#include "runtime/hal/flagos_hal.h"

namespace flagos::platform {
namespace {

struct Registration {
  Registration() { c10::SetAllocator(kDeviceType, &caching_allocator()); }
};
const Registration g_registration;

}  // namespace

c10::DeviceAllocator& device_allocator() { return caching_allocator(); }

// Where the cpu provider computes; never presented flagos memory (see the file comment).
c10::Device native_device(c10::DeviceIndex /*index*/) { return c10::Device(c10::DeviceType::CPU); }

bool native_aliases_readable() { return false; }

c10::Allocator* native_alias_allocator() {
  TORCH_CHECK(false, "flagos: the ascend platform has no native aliases (ATen cannot read NPU memory)");
}

bool is_pool_memory(const c10::DataPtr& data) { return CachingAllocator::owns(data); }

// Kernels of the cpu provider run on the host; the flagos current device follows the call's, so
// that flagos memory allocated meanwhile lands on the right NPU.
NativeScope::NativeScope(c10::DeviceIndex index) : saved_{-1, 0, 0, 0} {
  const c10::DeviceIndex current = current_device();
  if (current != index) {
    saved_[0] = current;
    set_device(index);
  }
}

NativeScope::~NativeScope() {
  if (saved_[0] >= 0) (void)flagos_hal_set_device(static_cast<int>(saved_[0]));
}

at::Generator make_engine(c10::DeviceIndex /*index*/, uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

// Device-to-device copies with a kernel come with the aclnn table; until then the staged copy.
bool copy_fast_path(const at::Tensor& /*src*/, const at::Tensor& /*dst*/) { return false; }

// Not reached: attention asks for the math path itself where aliases are unreadable.
int64_t sdp_backend(int64_t native_choice, const at::Tensor& /*query*/) { return native_choice; }

c10::Allocator* pinned_host_allocator() { return &pinned_allocator(); }

bool is_pinned(const void* ptr) { return pinned_allocator().contains(ptr); }

}  // namespace flagos::platform
