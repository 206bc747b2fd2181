// The host platform's native side (runtime/core/platform.h).
//
// Native device: CPU. Native kernels run on the calling thread. So that their outputs and
// workspaces are flagos device memory (counted in flagos' memory stats, capped by
// FLAGOS_HOST_MEMORY_LIMIT, adopted without copies), the process' CPU allocator is wrapped: while
// a thread is inside a NativeScope, CPU allocations on that thread come from the flagos pool of
// the scope's device; everywhere else the wrapper forwards to the allocator it replaced.
//
// FLAGOS_HOST_OPAQUE_MEMORY=1 (a test mode) makes the host behave like a platform whose device
// memory ATen cannot read (ascend): native aliases are refused, copies go through the HAL only.
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "runtime/core/caching_allocator.h"
#include "runtime/core/device.h"
#include "runtime/core/platform.h"
#include "runtime/platform/device_switch.h"

namespace flagos::platform {
namespace {

// flagos device whose pool serves this thread's CPU allocations, or -1 outside native calls.
thread_local c10::DeviceIndex t_native_device = -1;

const c10::Device kCpu(c10::DeviceType::CPU);

class HostCpuAllocator final : public c10::Allocator {
 public:
  explicit HostCpuAllocator(c10::Allocator* wrapped) : wrapped_(wrapped) {}

  c10::DataPtr allocate(size_t nbytes) override {
    if (t_native_device >= 0) return caching_allocator().allocate_on(t_native_device, nbytes, kCpu);
    return wrapped_->allocate(nbytes);
  }

  // raw_allocate() hands out memory from either source; give each back to its owner.
  c10::DeleterFnPtr raw_deleter() const override { return &raw_delete; }

  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }

  static void raw_delete(void* ptr);

  c10::Allocator* wrapped() const { return wrapped_; }

 private:
  c10::Allocator* wrapped_;
};

HostCpuAllocator* install_cpu_allocator() {
  static HostCpuAllocator* allocator = [] {
    auto* a = new HostCpuAllocator(c10::GetCPUAllocator());
    c10::SetCPUAllocator(a, /*priority=*/1);
    return a;
  }();
  return allocator;
}

void HostCpuAllocator::raw_delete(void* ptr) {
  if (!ptr) return;
  if (caching_allocator().holds(ptr)) {
    caching_allocator().raw_deleter()(ptr);
    return;
  }
  c10::DeleterFnPtr deleter = install_cpu_allocator()->wrapped()->raw_deleter();
  TORCH_CHECK(deleter, "flagos: the CPU allocator flagos wraps cannot free raw allocations");
  deleter(ptr);
}

// The pool's memory labelled CPU, for native alias storages that a kernel resizes.
class NativeAliasAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t nbytes) override {
    const c10::DeviceIndex device = t_native_device >= 0 ? t_native_device : current_device();
    return caching_allocator().allocate_on(device, nbytes, kCpu);
  }
  c10::DeleterFnPtr raw_deleter() const override { return caching_allocator().raw_deleter(); }
  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
};

const HostCpuAllocator* const g_cpu_allocator = install_cpu_allocator();

}  // namespace

c10::Device native_device(c10::DeviceIndex /*index*/) { return c10::Device(c10::DeviceType::CPU); }

// Random numbers are drawn in place by ATen's CPU kernels, from a CPU generator.
at::Generator make_engine(c10::DeviceIndex /*index*/, uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

// The CPU's choice is reachable as is: its flash kernel has a device-generic entry point. (In opaque
// mode, attention takes the math path before asking.)
int64_t sdp_backend(int64_t native_choice, const at::Tensor& /*query*/) { return native_choice; }

bool native_aliases_readable() {
  static const bool readable = [] {
    const char* text = std::getenv("FLAGOS_HOST_OPAQUE_MEMORY");
    if (!text || !*text || std::string_view(text) == "0") return true;
    TORCH_CHECK(std::string_view(text) == "1", "flagos: FLAGOS_HOST_OPAQUE_MEMORY='", text,
                "' is not valid: set it to 1 (device memory opaque to ATen, as on ascend) or 0");
    return false;
  }();
  return readable;
}

c10::Allocator* native_alias_allocator() {
  static NativeAliasAllocator allocator;
  return &allocator;
}

// Besides routing CPU allocations to the pool, the flagos current device follows the call's device:
// a kernel that grows a flagos storage allocates through the flagos allocator, on that device.
NativeScope::NativeScope(c10::DeviceIndex index) : previous_allocation_device_(t_native_device) {
  previous_device_ = device_switch::enter(index);
  t_native_device = index;
}

NativeScope::~NativeScope() {
  t_native_device = previous_allocation_device_;
  device_switch::leave(previous_device_);
}

}  // namespace flagos::platform
