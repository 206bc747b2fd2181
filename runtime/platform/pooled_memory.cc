#include "runtime/platform/pooled_memory.h"

#include "runtime/core/caching_allocator.h"
#include "runtime/core/pinned_allocator.h"

namespace flagos::pooled_memory {

c10::DeviceAllocator& allocator() { return caching_allocator(); }

bool owns(const c10::DataPtr& data) { return CachingAllocator::owns(data); }

c10::Allocator* pinned_allocator() { return &flagos::pinned_allocator(); }

bool is_pinned(const void* ptr) { return flagos::pinned_allocator().contains(ptr); }

}  // namespace flagos::pooled_memory
