#include "runtime/core/pinned_allocator.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

#include "runtime/core/caching_allocator.h"
#include "runtime/core/hal_check.h"
#include "runtime/hal/fork_locks.h"

namespace flagos {
namespace {

struct PinnedState {
  std::mutex mutex;
  std::map<const char*, size_t> live;        // start -> size, ordered for interior-pointer lookups
  std::multimap<size_t, void*> cached;       // size -> block
};

PinnedState& pinned_state() {
  static PinnedState* s = [] {
    auto* st = new PinnedState();  // leaked: deleters may run during static destruction
    fork_locks::guard(st->mutex, fork_locks::kPinnedMemory);
    return st;
  }();
  return *s;
}

void pinned_free(void* ptr) {
  if (!ptr) return;
  PinnedState& s = pinned_state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.live.find(static_cast<const char*>(ptr));
  if (it == s.live.end()) {
    std::fprintf(stderr, "flagos: pinned allocator asked to free %p, which it did not allocate\n", ptr);
    return;
  }
  s.cached.emplace(it->second, ptr);
  s.live.erase(it);
}

}  // namespace

c10::DataPtr PinnedAllocator::allocate(size_t nbytes) {
  if (nbytes == 0) return c10::DataPtr(nullptr, nullptr, &pinned_free, c10::Device(c10::DeviceType::CPU));
  const size_t size = CachingAllocator::round_size(nbytes);
  PinnedState& s = pinned_state();
  std::lock_guard<std::mutex> lock(s.mutex);
  void* ptr = nullptr;
  auto it = s.cached.find(size);
  if (it != s.cached.end()) {
    ptr = it->second;
    s.cached.erase(it);
  } else {
    FLAGOS_HAL_CHECK(flagos_hal_host_alloc(size, &ptr));
  }
  s.live.emplace(static_cast<const char*>(ptr), size);
  return c10::DataPtr(ptr, ptr, &pinned_free, c10::Device(c10::DeviceType::CPU));
}

c10::DeleterFnPtr PinnedAllocator::raw_deleter() const { return &pinned_free; }

void PinnedAllocator::copy_data(void* dest, const void* src, std::size_t count) const {
  std::memcpy(dest, src, count);
}

bool PinnedAllocator::contains(const void* ptr) const {
  PinnedState& s = pinned_state();
  std::lock_guard<std::mutex> lock(s.mutex);
  const char* p = static_cast<const char*>(ptr);
  auto it = s.live.upper_bound(p);
  if (it == s.live.begin()) return false;
  --it;
  return p < it->first + it->second;
}

void PinnedAllocator::empty_cache() {
  PinnedState& s = pinned_state();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (auto& [size, ptr] : s.cached) (void)flagos_hal_host_free(ptr);
  s.cached.clear();
}

PinnedAllocator& pinned_allocator() {
  static PinnedAllocator* a = new PinnedAllocator();
  return *a;
}

}  // namespace flagos
