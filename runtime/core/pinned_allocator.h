// Pinned (page-locked) host memory over the HAL, cached by size, for platforms whose PyTorch
// integration has no host allocator of its own. Tensors from it are CPU tensors that
// `is_pinned()` recognises and that the platform can copy to and from asynchronously.
#pragma once

#include <c10/core/Allocator.h>

namespace flagos {

class PinnedAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t nbytes) override;
  c10::DeleterFnPtr raw_deleter() const override;
  void copy_data(void* dest, const void* src, std::size_t count) const override;

  // True when `ptr` points into a live pinned block (any offset inside it).
  bool contains(const void* ptr) const;
  // Gives cached (unused) blocks back to the HAL.
  void empty_cache();
};

PinnedAllocator& pinned_allocator();

}  // namespace flagos
