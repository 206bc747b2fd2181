// Building block for platforms whose device memory is flagos' own caching pool over the HAL
// (host, ascend, metax on the synthetic SDK): each such platform's memory.cc implements the memory
// part of runtime/core/platform.h by calling these. (cuda's memory is PyTorch's CUDA pool instead.)
#pragma once

#include <c10/core/Allocator.h>
#include <c10/core/CachingDeviceAllocator.h>

namespace flagos::pooled_memory {

// The caching pool over flagos_hal_malloc (runtime/core/caching_allocator.h).
c10::DeviceAllocator& allocator();

// Whether `data` is memory of that pool.
bool owns(const c10::DataPtr& data);

// Page-locked host memory from flagos_hal_host_alloc, cached (runtime/core/pinned_allocator.h).
c10::Allocator* pinned_allocator();
bool is_pinned(const void* ptr);

}  // namespace flagos::pooled_memory
