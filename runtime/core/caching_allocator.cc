#include "runtime/core/caching_allocator.h"

#include <c10/util/Exception.h>
#include <c10/util/flat_hash_map.h>

#include <array>
#include <cstdio>
#include <limits>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "runtime/core/device.h"
#include "runtime/core/hal_check.h"
#include "runtime/core/ordered_copy.h"
#include "runtime/core/streams.h"
#include "runtime/hal/fork_locks.h"

namespace flagos {
namespace {

using c10::CachingAllocator::StatType;
using c10::CachingDeviceAllocator::DeviceStats;

constexpr size_t kSmallLimit = size_t{1} << 20;  // 1 MiB
constexpr size_t kSmallStep = 512;

struct Block {
  void* ptr = nullptr;
  size_t size = 0;       // rounded size, what the pool holds
  size_t requested = 0;  // what the caller asked for
  c10::DeviceIndex device = 0;
  c10::StreamId stream = 0;          // stream it was allocated for
  uint64_t pool = 0;                 // graph pool it belongs to (0: the general cache)
  std::vector<c10::Stream> uses;     // other streams it was recorded on
};

struct BySize {
  bool operator()(const Block* a, const Block* b) const {
    if (a->pool != b->pool) return a->pool < b->pool;
    if (a->stream != b->stream) return a->stream < b->stream;
    if (a->size != b->size) return a->size < b->size;
    return a->ptr < b->ptr;
  }
};

struct Pending {
  Block* block;
  std::vector<flagos_hal_event> events;
};

struct DevicePool {
  std::set<Block*, BySize> free_blocks;
  std::vector<Pending> pending;  // freed, waiting for other streams' events
  DeviceStats stats;
};

std::string format_size(size_t bytes) {
  char buf[64];
  if (bytes >= (size_t{1} << 30)) {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", bytes / 1073741824.0);
  } else if (bytes >= (size_t{1} << 20)) {
    std::snprintf(buf, sizeof(buf), "%.2f MiB", bytes / 1048576.0);
  } else if (bytes >= 1024) {
    std::snprintf(buf, sizeof(buf), "%.2f KiB", bytes / 1024.0);
  } else {
    std::snprintf(buf, sizeof(buf), "%zu bytes", bytes);
  }
  return buf;
}

StatType pool_of(size_t size) { return size <= kSmallLimit ? StatType::SMALL_POOL : StatType::LARGE_POOL; }

// Adds (sign +1) or removes (-1) one block of `size` bytes (`requested` asked for) from the
// statistics of its pool and of the aggregate.
void count_block(DeviceStats& s, size_t size, size_t requested, int sign) {
  for (const auto i : {static_cast<size_t>(StatType::AGGREGATE), static_cast<size_t>(pool_of(size))}) {
    if (sign > 0) {
      s.allocation[i].increase(1);
      s.allocated_bytes[i].increase(size);
      s.active_bytes[i].increase(size);
      s.requested_bytes[i].increase(requested);
    } else {
      s.allocation[i].decrease(1);
      s.allocated_bytes[i].decrease(size);
      s.active_bytes[i].decrease(size);
      s.requested_bytes[i].decrease(requested);
    }
  }
}

// Same for a segment (memory obtained from or returned to the HAL).
void count_segment(DeviceStats& s, size_t size, int sign) {
  for (const auto i : {static_cast<size_t>(StatType::AGGREGATE), static_cast<size_t>(pool_of(size))}) {
    if (sign > 0) {
      s.segment[i].increase(1);
      s.reserved_bytes[i].increase(size);
    } else {
      s.segment[i].decrease(1);
      s.reserved_bytes[i].decrease(size);
    }
  }
}

void raw_free(void* ptr);

// All pools of all devices, under one mutex: the HAL is only called on cache misses, so
// contention stays low, and one lock keeps every invariant simple.
struct PoolRoute {
  c10::DeviceIndex device;
  c10::StreamId stream;
  uint64_t pool;
};

struct State {
  std::mutex mutex;
  ska::flat_hash_map<void*, Block*> active;
  std::array<DevicePool, kMaxDevices> pools;
  std::vector<PoolRoute> routes;                // graph captures in progress
  ska::flat_hash_map<uint64_t, int> pool_users;  // live graph pools
  ska::flat_hash_map<uint64_t, size_t> pool_bytes;

  uint64_t pool_for(c10::DeviceIndex device, c10::StreamId stream) const {
    for (const PoolRoute& r : routes) {
      if (r.device == device && r.stream == stream) return r.pool;
    }
    return 0;
  }

  bool pool_alive(uint64_t pool) const { return pool == 0 || pool_users.count(pool) != 0; }

  // Gives a block back to the HAL. Caller holds mutex.
  void give_back(DevicePool& pool, Block* b) {
    (void)flagos_hal_free(b->device, b->ptr);
    count_segment(pool.stats, b->size, -1);
    pool.stats.num_device_free += 1;
    delete b;
  }

  // Returns blocks whose pending events have completed to the free lists. Caller holds mutex.
  void reap(DevicePool& pool) {
    for (size_t i = 0; i < pool.pending.size();) {
      Pending& p = pool.pending[i];
      bool done = true;
      for (flagos_hal_event e : p.events) {
        if (flagos_hal_event_query(e) == FLAGOS_HAL_ERROR_NOT_READY) {
          done = false;
          break;
        }
      }
      if (!done) {
        ++i;
        continue;
      }
      for (flagos_hal_event e : p.events) (void)flagos_hal_event_destroy(e);
      p.block->uses.clear();
      pool.free_blocks.insert(p.block);
      pool.pending[i] = pool.pending.back();
      pool.pending.pop_back();
    }
  }

  // Gives every cached block of `device` back to the HAL. Caller holds mutex.
  void release(c10::DeviceIndex device) {
    DevicePool& pool = pools[device];
    for (Pending& p : pool.pending) {
      for (flagos_hal_event e : p.events) {
        (void)flagos_hal_event_synchronize(e);
        (void)flagos_hal_event_destroy(e);
      }
      p.block->uses.clear();
      pool.free_blocks.insert(p.block);
    }
    pool.pending.clear();
    for (auto it = pool.free_blocks.begin(); it != pool.free_blocks.end();) {
      Block* b = *it;
      if (b->pool != 0 && pool_alive(b->pool)) {  // a live graph's memory stays with it
        ++it;
        continue;
      }
      it = pool.free_blocks.erase(it);
      give_back(pool, b);
    }
  }

  Block* take_cached(DevicePool& pool, size_t size, c10::StreamId stream, uint64_t graph_pool) {
    Block key;
    key.pool = graph_pool;
    key.stream = stream;
    key.size = size;
    auto it = pool.free_blocks.lower_bound(&key);
    if (it == pool.free_blocks.end() || (*it)->pool != graph_pool || (*it)->stream != stream) return nullptr;
    const size_t limit = size <= kSmallLimit ? 2 * size : size + size / 4;
    if ((*it)->size > limit) return nullptr;
    Block* b = *it;
    pool.free_blocks.erase(it);
    return b;
  }

  [[noreturn]] void throw_oom(c10::DeviceIndex device, size_t nbytes, size_t size) {
    DevicePool& pool = pools[device];
    pool.stats.num_ooms += 1;
    size_t free_bytes = 0, total_bytes = 0;
    (void)flagos_hal_mem_get_info(device, &free_bytes, &total_bytes);
    const auto agg = static_cast<size_t>(StatType::AGGREGATE);
    const std::string detail = flagos_hal_last_error();
    TORCH_CHECK_WITH(OutOfMemoryError, false, "flagos out of memory: tried to allocate ", format_size(nbytes),
                     " (", format_size(size), " in the pool) on ", device_name(device), ". The device has ",
                     format_size(total_bytes), " in total, ", format_size(free_bytes), " free; ",
                     format_size(pool.stats.allocated_bytes[agg].current), " are allocated by tensors and ",
                     format_size(pool.stats.reserved_bytes[agg].current),
                     " reserved by flagos' caching allocator. (", flagos_hal_platform(), " platform: ", detail, ")");
  }

  c10::DataPtr allocate(c10::DeviceIndex device, size_t nbytes, c10::Device label) {
    if (nbytes == 0) return c10::DataPtr(nullptr, nullptr, &raw_free, label);
    check_device_index(device);
    const size_t size = CachingAllocator::round_size(nbytes);
    const c10::StreamId stream = current_stream(device).id();
    std::lock_guard<std::mutex> lock(mutex);
    DevicePool& pool = pools[device];
    if (!pool.pending.empty()) reap(pool);
    const uint64_t graph_pool = routes.empty() ? 0 : pool_for(device, stream);
    Block* b = take_cached(pool, size, stream, graph_pool);
    if (!b) {
      void* ptr = nullptr;
      flagos_hal_status status = flagos_hal_malloc(device, size, &ptr);
      if (status == FLAGOS_HAL_ERROR_OUT_OF_MEMORY) {
        pool.stats.num_alloc_retries += 1;
        release(device);
        status = flagos_hal_malloc(device, size, &ptr);
      }
      if (status == FLAGOS_HAL_ERROR_OUT_OF_MEMORY) throw_oom(device, nbytes, size);
      FLAGOS_HAL_CHECK(status);
      b = new Block();
      b->ptr = ptr;
      b->size = size;
      b->device = device;
      b->stream = stream;
      b->pool = graph_pool;
      count_segment(pool.stats, size, +1);
      pool.stats.num_device_alloc += 1;
    }
    b->requested = nbytes;
    if (graph_pool) pool_bytes[graph_pool] += b->size;
    active.emplace(b->ptr, b);
    count_block(pool.stats, b->size, nbytes, +1);
    return c10::DataPtr(b->ptr, b->ptr, &raw_free, label);
  }

  void free(void* ptr) noexcept {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = active.find(ptr);
    if (it == active.end()) {
      std::fprintf(stderr, "flagos: caching allocator asked to free %p, which it did not allocate\n", ptr);
      return;
    }
    Block* b = it->second;
    active.erase(it);
    DevicePool& pool = pools[b->device];
    count_block(pool.stats, b->size, b->requested, -1);
    if (b->pool) {
      pool_bytes[b->pool] -= b->size;
      if (!pool_alive(b->pool)) {  // its graphs are gone: nobody can reuse it
        if (pool_bytes[b->pool] == 0) pool_bytes.erase(b->pool);
        if (!b->uses.empty()) (void)flagos_hal_device_synchronize(b->device);
        give_back(pool, b);
        return;
      }
    }
    if (b->uses.empty()) {
      pool.free_blocks.insert(b);
      return;
    }
    Pending pending{b, {}};
    for (const c10::Stream& s : b->uses) {
      flagos_hal_event e = nullptr;
      flagos_hal_stream hs = nullptr;
      try {
        hs = hal_stream(s);
      } catch (...) {
        hs = nullptr;
      }
      if (flagos_hal_event_create(b->device, FLAGOS_HAL_EVENT_DISABLE_TIMING, &e) != FLAGOS_HAL_SUCCESS ||
          flagos_hal_event_record(e, hs) != FLAGOS_HAL_SUCCESS) {
        // Cannot track the other stream: wait for the whole device instead, then reuse the block.
        if (e) (void)flagos_hal_event_destroy(e);
        (void)flagos_hal_device_synchronize(b->device);
        continue;
      }
      pending.events.push_back(e);
    }
    pool.pending.push_back(std::move(pending));
  }
};

State& state() {
  static State* s = [] {
    auto* st = new State();  // leaked: deleters may run during static destruction
    fork_locks::guard(st->mutex, fork_locks::kDeviceMemory);
    return st;
  }();
  return *s;
}

void raw_free(void* ptr) {
  if (ptr) state().free(ptr);
}

}  // namespace

size_t CachingAllocator::round_size(size_t nbytes) {
  if (nbytes <= kSmallLimit) return (nbytes + kSmallStep - 1) / kSmallStep * kSmallStep;
  // Quarter steps between powers of two: 1, 1.25, 1.5, 1.75, 2 MiB, 2.5, 3, ... (<= 25% slack).
  constexpr size_t kMax = std::numeric_limits<size_t>::max();
  size_t power = kSmallLimit;
  while (power <= kMax / 2 && power * 2 < nbytes) power *= 2;
  const size_t step = power / 4;
  if (nbytes > kMax - (step - 1)) return nbytes;  // cannot round up: the HAL will refuse it anyway
  return (nbytes + step - 1) / step * step;
}

c10::DataPtr CachingAllocator::allocate(size_t nbytes) {
  const c10::DeviceIndex device = current_device();
  return state().allocate(device, nbytes, c10::Device(kDeviceType, device));
}

c10::DataPtr CachingAllocator::allocate_on(c10::DeviceIndex device, size_t nbytes, c10::Device label) {
  return state().allocate(device, nbytes, label);
}

c10::DeleterFnPtr CachingAllocator::raw_deleter() const { return &raw_free; }

void CachingAllocator::copy_data(void* dest, const void* src, std::size_t count) const {
  ordered_copy(dest, src, count, FLAGOS_HAL_DEVICE_TO_DEVICE, current_device());
}

void CachingAllocator::emptyCache(c10::MempoolId_t /*mempool_id*/) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (c10::DeviceIndex d = 0; d < device_count_or_zero(); ++d) s.release(d);
}

void CachingAllocator::recordStream(const c10::DataPtr& ptr, c10::Stream stream) {
  if (!ptr.get() || !owns(ptr)) return;
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.active.find(ptr.get());
  TORCH_CHECK(it != s.active.end(), "flagos: record_stream on memory the caching allocator does not hold");
  Block* b = it->second;
  if (stream.id() == b->stream && stream.device_index() == b->device) return;
  for (const c10::Stream& u : b->uses) {
    if (u == stream) return;
  }
  b->uses.push_back(stream);
}

c10::CachingDeviceAllocator::DeviceStats CachingAllocator::getDeviceStats(c10::DeviceIndex device) {
  check_device_index(device);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.pools[device].stats;
}

void CachingAllocator::resetAccumulatedStats(c10::DeviceIndex device) {
  check_device_index(device);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  DeviceStats& st = s.pools[device].stats;
  for (auto* arr : {&st.allocation, &st.segment, &st.active, &st.inactive_split, &st.allocated_bytes,
                    &st.reserved_bytes, &st.active_bytes, &st.inactive_split_bytes, &st.requested_bytes}) {
    for (auto& stat : *arr) stat.reset_accumulated();
  }
  st.num_alloc_retries = 0;
  st.num_ooms = 0;
  st.num_device_alloc = 0;
  st.num_device_free = 0;
}

void CachingAllocator::resetPeakStats(c10::DeviceIndex device) {
  check_device_index(device);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  DeviceStats& st = s.pools[device].stats;
  for (auto* arr : {&st.allocation, &st.segment, &st.active, &st.inactive_split, &st.allocated_bytes,
                    &st.reserved_bytes, &st.active_bytes, &st.inactive_split_bytes, &st.requested_bytes}) {
    for (auto& stat : *arr) stat.reset_peak();
  }
}

std::pair<size_t, size_t> CachingAllocator::getMemoryInfo(c10::DeviceIndex device) {
  check_device_index(device);
  size_t free_bytes = 0, total_bytes = 0;
  FLAGOS_HAL_CHECK(flagos_hal_mem_get_info(device, &free_bytes, &total_bytes));
  return {free_bytes, total_bytes};
}

void CachingAllocator::begin_allocate_to_pool(c10::DeviceIndex device, c10::StreamId stream, uint64_t pool) {
  TORCH_CHECK(pool != 0, "flagos: graph pool id 0 is the general cache");
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  TORCH_CHECK(s.pool_for(device, stream) == 0, "flagos: stream ", stream, " of ", device_name(device),
              " already allocates into a graph pool (a capture is in progress on it)");
  s.routes.push_back(PoolRoute{device, stream, pool});
}

void CachingAllocator::end_allocate_to_pool(c10::DeviceIndex device, c10::StreamId stream) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (size_t i = 0; i < s.routes.size(); ++i) {
    if (s.routes[i].device == device && s.routes[i].stream == stream) {
      s.routes.erase(s.routes.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

void CachingAllocator::retain_pool(uint64_t pool) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.pool_users[pool] += 1;
}

void CachingAllocator::release_pool(uint64_t pool) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.pool_users.find(pool);
  if (it == s.pool_users.end()) return;
  if (--it->second > 0) return;
  s.pool_users.erase(it);
  for (DevicePool& dp : s.pools) {
    if (!dp.pending.empty()) s.reap(dp);
    for (auto b = dp.free_blocks.begin(); b != dp.free_blocks.end();) {
      if ((*b)->pool != pool) {
        ++b;
        continue;
      }
      Block* block = *b;
      b = dp.free_blocks.erase(b);
      s.give_back(dp, block);
    }
  }
}

uint64_t CachingAllocator::pool_of(const void* ptr) const {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.active.find(const_cast<void*>(ptr));
  return it == s.active.end() ? 0 : it->second->pool;
}

size_t CachingAllocator::pool_allocated_bytes(uint64_t pool) const {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.pool_bytes.find(pool);
  return it == s.pool_bytes.end() ? 0 : it->second;
}

bool CachingAllocator::owns(const c10::DataPtr& ptr) { return ptr.get_deleter() == &raw_free; }

bool CachingAllocator::holds(const void* ptr) const {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.active.count(const_cast<void*>(ptr)) != 0;
}

CachingAllocator& caching_allocator() {
  static CachingAllocator* a = new CachingAllocator();
  return *a;
}

}  // namespace flagos
