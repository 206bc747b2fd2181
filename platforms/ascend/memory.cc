// The ascend platform's device and pinned memory (runtime/core/platform.h): flagos' caching pool over
// the HAL (runtime/platform/pooled_memory.h).
#include "runtime/core/platform.h"
#include "runtime/platform/pooled_memory.h"

namespace flagos::platform {

c10::DeviceAllocator& device_allocator() { return pooled_memory::allocator(); }
bool is_pool_memory(const c10::DataPtr& data) { return pooled_memory::owns(data); }
c10::Allocator* pinned_host_allocator() { return pooled_memory::pinned_allocator(); }
bool is_pinned(const void* ptr) { return pooled_memory::is_pinned(ptr); }

}  // namespace flagos::platform
