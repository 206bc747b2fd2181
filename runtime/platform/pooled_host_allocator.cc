// flagos' pinned-memory allocator as PyTorch's host allocator for the flagos device type, for the
// platforms whose pinned memory is flagos' own (pooled_memory). Without it
// at::getHostAllocator(PrivateUse1) is null and torch.accelerator.empty_host_cache() (which
// torch.accelerator.Graph's `with` block calls) dereferences it and crashes.
#include <ATen/core/CachingHostAllocator.h>

#include "runtime/core/device.h"
#include "runtime/core/pinned_allocator.h"

namespace flagos {
namespace {

class FlagosHostAllocator final : public at::HostAllocator {
 public:
  c10::DataPtr allocate(size_t nbytes) override { return pinned_allocator().allocate(nbytes); }
  c10::DeleterFnPtr raw_deleter() const override { return pinned_allocator().raw_deleter(); }
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    pinned_allocator().copy_data(dest, src, count);
  }
  // Host streams on these platforms complete work before returning, so a pinned block may be
  // reused as soon as it is freed: nothing to track.
  bool record_event(void* /*ptr*/, void* /*ctx*/, c10::Stream /*stream*/) override { return true; }
  void empty_cache() override { pinned_allocator().empty_cache(); }
  // flagos' pinned allocator keeps no statistics yet: zeros, not invented figures.
  at::HostStats get_stats() override { return {}; }
  void reset_accumulated_stats() override {}
  void reset_peak_stats() override {}
};

FlagosHostAllocator g_host_allocator;

}  // namespace
}  // namespace flagos

REGISTER_HOST_ALLOCATOR(flagos::kDeviceType, &flagos::g_host_allocator)
