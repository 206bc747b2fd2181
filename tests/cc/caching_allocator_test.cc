// flagos::caching_allocator() on the host platform.
//
// Two targets share this source (see BUILD.bazel):
//   caching_allocator_test      FLAGOS_HOST_DEVICE_COUNT=2      everything but CachingAllocatorOom.*
//   caching_allocator_oom_test  FLAGOS_HOST_MEMORY_LIMIT=4M     CachingAllocatorOom.*
// The allocator is process-wide, so every test starts from emptyCache() and compares against the
// stats it read at its start.
#include <unistd.h>

#include <c10/core/Allocator.h>
#include <c10/core/CachingDeviceAllocator.h>
#include <c10/core/DeviceType.h>
#include <c10/util/Exception.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runtime/core/caching_allocator.h"
#include "runtime/core/device.h"
#include "runtime/core/streams.h"

namespace {

using c10::CachingAllocator::StatType;
using c10::CachingDeviceAllocator::DeviceStats;
using flagos::CachingAllocator;

constexpr size_t kAgg = static_cast<size_t>(StatType::AGGREGATE);
constexpr size_t kSmall = static_cast<size_t>(StatType::SMALL_POOL);
constexpr size_t kLarge = static_cast<size_t>(StatType::LARGE_POOL);
constexpr size_t KiB = size_t{1} << 10;
constexpr size_t MiB = size_t{1} << 20;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

CachingAllocator& alloc() { return flagos::caching_allocator(); }
DeviceStats stats(c10::DeviceIndex device = 0) { return alloc().getDeviceStats(device); }

// Restores the calling thread's current stream of a device when it goes out of scope.
struct StreamRestorer {
  explicit StreamRestorer(const c10::Stream& s) : previous(flagos::exchange_stream(s)) {}
  ~StreamRestorer() { flagos::exchange_stream(previous); }
  c10::Stream previous;
};

// ---- allocation and stats -------------------------------------------------------------------------

class CachingAllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(env("FLAGOS_HOST_DEVICE_COUNT"), "2") << "run through the caching_allocator_test target";
    alloc().emptyCache();
  }
};

TEST_F(CachingAllocatorTest, AllocateAndFreeUpdateStats) {
  const DeviceStats s0 = stats();
  c10::DataPtr p = alloc().allocate(1000);
  ASSERT_NE(p.get(), nullptr);
  EXPECT_EQ(p.device(), c10::Device(c10::DeviceType::PrivateUse1, 0));
  EXPECT_TRUE(CachingAllocator::owns(p));
  EXPECT_TRUE(alloc().holds(p.get()));
  std::memset(p.get(), 0x5a, 1000);  // the memory is usable

  const DeviceStats s1 = stats();
  EXPECT_EQ(s1.allocated_bytes[kAgg].current - s0.allocated_bytes[kAgg].current, 1024);
  EXPECT_EQ(s1.allocated_bytes[kSmall].current - s0.allocated_bytes[kSmall].current, 1024);
  EXPECT_EQ(s1.allocated_bytes[kLarge].current, s0.allocated_bytes[kLarge].current);
  EXPECT_EQ(s1.requested_bytes[kAgg].current - s0.requested_bytes[kAgg].current, 1000);
  EXPECT_EQ(s1.reserved_bytes[kAgg].current - s0.reserved_bytes[kAgg].current, 1024);
  EXPECT_EQ(s1.active_bytes[kAgg].current - s0.active_bytes[kAgg].current, 1024);
  EXPECT_EQ(s1.allocation[kAgg].current - s0.allocation[kAgg].current, 1);
  EXPECT_EQ(s1.allocation[kAgg].allocated - s0.allocation[kAgg].allocated, 1);
  EXPECT_EQ(s1.segment[kAgg].current - s0.segment[kAgg].current, 1);
  EXPECT_EQ(s1.num_device_alloc - s0.num_device_alloc, 1);
  EXPECT_GE(s1.allocated_bytes[kAgg].peak, s1.allocated_bytes[kAgg].current);

  void* raw = p.get();
  p.clear();
  EXPECT_FALSE(alloc().holds(raw));
  const DeviceStats s2 = stats();
  EXPECT_EQ(s2.allocated_bytes[kAgg].current, s0.allocated_bytes[kAgg].current);
  EXPECT_EQ(s2.requested_bytes[kAgg].current, s0.requested_bytes[kAgg].current);
  EXPECT_EQ(s2.allocation[kAgg].current, s0.allocation[kAgg].current);
  EXPECT_EQ(s2.allocation[kAgg].freed - s0.allocation[kAgg].freed, 1);
  EXPECT_EQ(s2.reserved_bytes[kAgg].current, s1.reserved_bytes[kAgg].current) << "a freed block stays cached";
  EXPECT_EQ(s2.num_device_free, s0.num_device_free);
}

TEST_F(CachingAllocatorTest, LargeAllocationsCountInLargePool) {
  const DeviceStats s0 = stats();
  c10::DataPtr p = alloc().allocate(3 * MiB + 5);
  const DeviceStats s1 = stats();
  const int64_t rounded = static_cast<int64_t>(CachingAllocator::round_size(3 * MiB + 5));
  EXPECT_EQ(rounded, static_cast<int64_t>(3 * MiB + MiB / 2));
  EXPECT_EQ(s1.allocated_bytes[kLarge].current - s0.allocated_bytes[kLarge].current, rounded);
  EXPECT_EQ(s1.allocated_bytes[kSmall].current, s0.allocated_bytes[kSmall].current);
  EXPECT_EQ(s1.allocated_bytes[kAgg].current - s0.allocated_bytes[kAgg].current, rounded);
}

TEST_F(CachingAllocatorTest, AllocationsOnEachDeviceAreSeparate) {
  const DeviceStats d0 = stats(0), d1 = stats(1);
  c10::DataPtr p = alloc().allocate_on(1, 8 * KiB, c10::Device(c10::DeviceType::PrivateUse1, 1));
  EXPECT_EQ(p.device().index(), 1);
  EXPECT_EQ(stats(1).allocated_bytes[kAgg].current - d1.allocated_bytes[kAgg].current, static_cast<int64_t>(8 * KiB));
  EXPECT_EQ(stats(0).allocated_bytes[kAgg].current, d0.allocated_bytes[kAgg].current);
  EXPECT_THROW(alloc().allocate_on(2, 16, c10::Device(c10::DeviceType::PrivateUse1, 0)), c10::Error);
  EXPECT_THROW(alloc().getDeviceStats(2), c10::Error);
}

TEST_F(CachingAllocatorTest, FreedBlockIsReusedForSameSize) {
  c10::DataPtr first = alloc().allocate(4096);
  void* const ptr = first.get();
  first.clear();
  const DeviceStats s1 = stats();
  c10::DataPtr second = alloc().allocate(4096);
  EXPECT_EQ(second.get(), ptr) << "the cached block was not reused";
  const DeviceStats s2 = stats();
  EXPECT_EQ(s2.reserved_bytes[kAgg].current, s1.reserved_bytes[kAgg].current);
  EXPECT_EQ(s2.num_device_alloc, s1.num_device_alloc);
  EXPECT_EQ(s2.allocated_bytes[kAgg].current - s1.allocated_bytes[kAgg].current, 4096);

  // A slightly smaller request fits the same cached block too (small blocks: up to 2x).
  second.clear();
  c10::DataPtr third = alloc().allocate(3000);
  EXPECT_EQ(third.get(), ptr);
  EXPECT_EQ(stats().num_device_alloc, s1.num_device_alloc);
}

TEST_F(CachingAllocatorTest, LargeBlockNotReusedForMuchSmallerRequest) {
  c10::DataPtr big = alloc().allocate(8 * MiB);
  void* const ptr = big.get();
  big.clear();
  const DeviceStats s1 = stats();
  c10::DataPtr smaller = alloc().allocate(4 * MiB);  // 8 MiB > 1.25 x 4 MiB
  EXPECT_NE(smaller.get(), ptr);
  EXPECT_EQ(stats().num_device_alloc - s1.num_device_alloc, 1);
  c10::DataPtr again = alloc().allocate(7 * MiB);  // 8 MiB <= 1.25 x 7 MiB: reuses it
  EXPECT_EQ(again.get(), ptr);
}

TEST_F(CachingAllocatorTest, CachedBlocksArePerStream) {
  c10::DataPtr on_default = alloc().allocate(4096);
  void* const ptr = on_default.get();
  on_default.clear();
  {
    StreamRestorer use(flagos::pool_stream(0, false));
    c10::DataPtr on_pool = alloc().allocate(4096);
    EXPECT_NE(on_pool.get(), ptr) << "a block cached for the default stream was handed to another stream";
  }
  c10::DataPtr back = alloc().allocate(4096);
  EXPECT_EQ(back.get(), ptr);
}

TEST_F(CachingAllocatorTest, EmptyCacheKeepsOnlyLiveBlocks) {
  const auto before = alloc().getMemoryInfo(0);
  const DeviceStats s0 = stats();
  c10::DataPtr live = alloc().allocate(MiB);
  {
    c10::DataPtr tmp1 = alloc().allocate(2 * MiB);
    c10::DataPtr tmp2 = alloc().allocate(10 * KiB);
  }
  const DeviceStats s1 = stats();
  EXPECT_EQ(s1.reserved_bytes[kAgg].current - s0.reserved_bytes[kAgg].current,
            static_cast<int64_t>(MiB + 2 * MiB + 10 * KiB));
  EXPECT_EQ(before.first - alloc().getMemoryInfo(0).first, MiB + 2 * MiB + 10 * KiB);

  alloc().emptyCache();
  const DeviceStats s2 = stats();
  EXPECT_EQ(s2.reserved_bytes[kAgg].current, s2.allocated_bytes[kAgg].current);
  EXPECT_EQ(s2.reserved_bytes[kAgg].current - s0.reserved_bytes[kAgg].current, static_cast<int64_t>(MiB));
  EXPECT_EQ(s2.segment[kAgg].current - s0.segment[kAgg].current, 1);
  EXPECT_EQ(s2.num_device_free - s1.num_device_free, 2);
  EXPECT_EQ(before.first - alloc().getMemoryInfo(0).first, MiB) << "emptyCache gave the memory back to the HAL";
  EXPECT_TRUE(alloc().holds(live.get()));
  std::memset(live.get(), 1, MiB);  // still usable
  live.clear();
  alloc().emptyCache();
  EXPECT_EQ(stats().reserved_bytes[kAgg].current, s0.reserved_bytes[kAgg].current);
  EXPECT_EQ(alloc().getMemoryInfo(0).first, before.first);
}

TEST_F(CachingAllocatorTest, ResetPeakStats) {
  const DeviceStats s0 = stats();
  {
    c10::DataPtr a = alloc().allocate(64 * KiB);
    c10::DataPtr b = alloc().allocate(64 * KiB);
  }
  const DeviceStats s1 = stats();
  EXPECT_GE(s1.allocated_bytes[kAgg].peak, s0.allocated_bytes[kAgg].current + static_cast<int64_t>(128 * KiB));
  EXPECT_EQ(s1.allocated_bytes[kAgg].current, s0.allocated_bytes[kAgg].current);
  alloc().resetPeakStats(0);
  const DeviceStats s2 = stats();
  EXPECT_EQ(s2.allocated_bytes[kAgg].peak, s2.allocated_bytes[kAgg].current);
  EXPECT_EQ(s2.allocation[kAgg].peak, s2.allocation[kAgg].current);
  EXPECT_EQ(s2.reserved_bytes[kAgg].peak, s2.reserved_bytes[kAgg].current);
  EXPECT_EQ(s2.allocation[kAgg].allocated, s1.allocation[kAgg].allocated) << "accumulated counts are kept";
  EXPECT_EQ(s2.num_device_alloc, s1.num_device_alloc);
}

TEST_F(CachingAllocatorTest, ResetAccumulatedStats) {
  { c10::DataPtr a = alloc().allocate(16 * KiB); }
  c10::DataPtr live = alloc().allocate(32 * KiB);
  const DeviceStats s1 = stats();
  ASSERT_GT(s1.allocation[kAgg].allocated, 0);
  ASSERT_GT(s1.num_device_alloc, 0);
  alloc().resetAccumulatedStats(0);
  const DeviceStats s2 = stats();
  EXPECT_EQ(s2.allocation[kAgg].allocated, 0);
  EXPECT_EQ(s2.allocation[kAgg].freed, 0);
  EXPECT_EQ(s2.allocated_bytes[kAgg].allocated, 0);
  EXPECT_EQ(s2.reserved_bytes[kAgg].allocated, 0);
  EXPECT_EQ(s2.num_device_alloc, 0);
  EXPECT_EQ(s2.num_device_free, 0);
  EXPECT_EQ(s2.num_alloc_retries, 0);
  EXPECT_EQ(s2.num_ooms, 0);
  EXPECT_EQ(s2.allocated_bytes[kAgg].current, s1.allocated_bytes[kAgg].current) << "current values are kept";
  EXPECT_EQ(s2.reserved_bytes[kAgg].current, s1.reserved_bytes[kAgg].current);
  EXPECT_EQ(s2.allocated_bytes[kAgg].peak, s1.allocated_bytes[kAgg].peak) << "peaks are kept";
  live.clear();
  EXPECT_EQ(stats().allocation[kAgg].freed, 1);
}

TEST_F(CachingAllocatorTest, ZeroByteAllocation) {
  const DeviceStats s0 = stats();
  c10::DataPtr p = alloc().allocate(0);
  EXPECT_EQ(p.get(), nullptr);
  EXPECT_EQ(p.device(), c10::Device(c10::DeviceType::PrivateUse1, 0));
  p.clear();
  const DeviceStats s1 = stats();
  EXPECT_EQ(s1.allocation[kAgg].allocated, s0.allocation[kAgg].allocated);
  EXPECT_EQ(s1.allocated_bytes[kAgg].current, s0.allocated_bytes[kAgg].current);
  EXPECT_EQ(s1.num_device_alloc, s0.num_device_alloc);
}

TEST_F(CachingAllocatorTest, CopyData) {
  c10::DataPtr a = alloc().allocate(256);
  c10::DataPtr b = alloc().allocate(256);
  for (int i = 0; i < 256; ++i) static_cast<unsigned char*>(a.get())[i] = static_cast<unsigned char>(i * 7);
  alloc().copy_data(b.get(), a.get(), 256);
  EXPECT_EQ(std::memcmp(a.get(), b.get(), 256), 0);
}

TEST_F(CachingAllocatorTest, RecordStreamDefersReuseUntilEventsComplete) {
  const c10::Stream side = flagos::pool_stream(0, false);
  ASSERT_NE(side.id(), 0);
  c10::DataPtr p = alloc().allocate(8 * KiB);
  void* const ptr = p.get();
  alloc().recordStream(p, side);
  alloc().recordStream(p, side);  // twice: no-op
  alloc().recordStream(p, flagos::current_stream(0));  // its own stream: no-op
  const DeviceStats s1 = stats();
  p.clear();
  const DeviceStats s2 = stats();
  EXPECT_FALSE(alloc().holds(ptr));
  EXPECT_EQ(s1.allocated_bytes[kAgg].current - s2.allocated_bytes[kAgg].current, static_cast<int64_t>(8 * KiB));
  EXPECT_EQ(s2.reserved_bytes[kAgg].current, s1.reserved_bytes[kAgg].current) << "still held until reaped";
  // Host events are always complete: the next allocation reaps the block and reuses it.
  c10::DataPtr q = alloc().allocate(8 * KiB);
  EXPECT_EQ(q.get(), ptr) << "the block used on another stream was not reused after its events completed";
  const DeviceStats s3 = stats();
  EXPECT_EQ(s3.num_device_alloc, s2.num_device_alloc);
  EXPECT_EQ(s3.reserved_bytes[kAgg].current, s2.reserved_bytes[kAgg].current);
}

TEST_F(CachingAllocatorTest, RecordStreamOfAnotherDevice) {
  // An event of device 0 cannot be recorded on a device 1 stream: the allocator falls back to a
  // device synchronisation and must still make the block reusable.
  c10::DataPtr p = alloc().allocate(8 * KiB);
  void* const ptr = p.get();
  alloc().recordStream(p, flagos::pool_stream(1, true));
  p.clear();
  c10::DataPtr q = alloc().allocate(8 * KiB);
  EXPECT_EQ(q.get(), ptr);
}

TEST_F(CachingAllocatorTest, EmptyCacheReleasesPendingBlocks) {
  const DeviceStats s0 = stats();
  c10::DataPtr p = alloc().allocate(8 * KiB);
  alloc().recordStream(p, flagos::pool_stream(0, true));
  p.clear();
  alloc().emptyCache();
  const DeviceStats s1 = stats();
  EXPECT_EQ(s1.reserved_bytes[kAgg].current, s0.reserved_bytes[kAgg].current);
  EXPECT_EQ(s1.segment[kAgg].current, s0.segment[kAgg].current);
}

TEST_F(CachingAllocatorTest, RecordStreamIgnoresForeignMemory) {
  int local = 0;
  c10::DataPtr foreign(&local, c10::Device(c10::DeviceType::CPU));
  EXPECT_NO_THROW(alloc().recordStream(foreign, flagos::pool_stream(0, false)));
  c10::DataPtr empty;
  EXPECT_NO_THROW(alloc().recordStream(empty, flagos::pool_stream(0, false)));
}

TEST_F(CachingAllocatorTest, ConcurrentAllocateAndFree) {
  const DeviceStats s0 = stats();
  constexpr int kThreads = 4;
  constexpr int kOps = 1000;
  std::vector<int> allocations(kThreads, 0);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &allocations, &errors] {
      try {
        // Half of the threads allocate on a pool stream of their own choosing.
        std::unique_ptr<StreamRestorer> stream;
        if (t % 2) stream = std::make_unique<StreamRestorer>(flagos::pool_stream(0, t == 3));
        std::mt19937 rng(1234 + t);
        const size_t sizes[] = {0, 1, 100, 512, 4000, 64 * KiB, 700 * KiB, MiB + 3, 2 * MiB};
        std::vector<std::pair<c10::DataPtr, unsigned char>> live;
        for (int op = 0; op < kOps; ++op) {
          if (!live.empty() && (live.size() >= 8 || rng() % 2)) {
            const size_t i = rng() % live.size();
            auto* bytes = static_cast<unsigned char*>(live[i].first.get());
            if (bytes && (bytes[0] != live[i].second)) {
              errors[t] = "a live block was overwritten: handed out twice?";
              return;
            }
            live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
          } else {
            const size_t n = sizes[rng() % (sizeof(sizes) / sizeof(sizes[0]))];
            c10::DataPtr p = flagos::caching_allocator().allocate(n);
            const auto tag = static_cast<unsigned char>(rng());
            if (n) {
              std::memset(p.get(), tag, std::min<size_t>(n, 64));
              allocations[t] += 1;
            }
            live.emplace_back(std::move(p), tag);
          }
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], "") << "thread " << t;

  int total = 0;
  for (int n : allocations) total += n;
  const DeviceStats s1 = stats();
  EXPECT_EQ(s1.allocated_bytes[kAgg].current, s0.allocated_bytes[kAgg].current);
  EXPECT_EQ(s1.requested_bytes[kAgg].current, s0.requested_bytes[kAgg].current);
  EXPECT_EQ(s1.active_bytes[kAgg].current, s0.active_bytes[kAgg].current);
  EXPECT_EQ(s1.allocation[kAgg].current, s0.allocation[kAgg].current);
  EXPECT_EQ(s1.allocation[kAgg].allocated - s0.allocation[kAgg].allocated, total);
  EXPECT_EQ(s1.allocation[kAgg].freed - s0.allocation[kAgg].freed, total);
  EXPECT_EQ(s1.allocation[kSmall].current + s1.allocation[kLarge].current, s1.allocation[kAgg].current);
  EXPECT_GE(s1.reserved_bytes[kAgg].current, s1.allocated_bytes[kAgg].current);
  EXPECT_EQ(s1.reserved_bytes[kSmall].current + s1.reserved_bytes[kLarge].current, s1.reserved_bytes[kAgg].current);
  alloc().emptyCache();
  EXPECT_EQ(stats().reserved_bytes[kAgg].current, s0.reserved_bytes[kAgg].current);
}

// ---- out of memory (caching_allocator_oom_test: FLAGOS_HOST_MEMORY_LIMIT=4M) -----------------------

class CachingAllocatorOom : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(env("FLAGOS_HOST_MEMORY_LIMIT"), "4M") << "run through the caching_allocator_oom_test target";
    alloc().emptyCache();
    alloc().resetAccumulatedStats(0);
  }
};

TEST_F(CachingAllocatorOom, ReleasesCacheAndRetriesBeforeFailing) {
  {
    c10::DataPtr a = alloc().allocate(3 * MiB);
  }
  ASSERT_EQ(stats().reserved_bytes[kAgg].current, static_cast<int64_t>(3 * MiB)) << "the 3 MiB block is cached";

  // 2 MiB does not fit beside the cached (too large to reuse) 3 MiB block: the cache is released
  // and the allocation retried.
  c10::DataPtr b = alloc().allocate(2 * MiB);
  ASSERT_NE(b.get(), nullptr);
  DeviceStats s = stats();
  EXPECT_EQ(s.num_alloc_retries, 1);
  EXPECT_EQ(s.num_device_free, 1);
  EXPECT_EQ(s.num_ooms, 0);
  EXPECT_EQ(s.reserved_bytes[kAgg].current, static_cast<int64_t>(2 * MiB));
  EXPECT_EQ(s.allocated_bytes[kAgg].current, static_cast<int64_t>(2 * MiB));
}

TEST_F(CachingAllocatorOom, ThrowsOutOfMemoryErrorNamingDeviceAndSizes) {
  c10::DataPtr held = alloc().allocate(2 * MiB);
  bool thrown = false;
  try {
    c10::DataPtr p = alloc().allocate(3 * MiB);
    ADD_FAILURE() << "3 MiB beside 2 MiB fitted into a 4 MiB device";
  } catch (const c10::OutOfMemoryError& e) {
    thrown = true;
    const std::string message = e.what_without_backtrace();
    EXPECT_NE(message.find("flagos:0"), std::string::npos) << message;
    EXPECT_NE(message.find("3.00 MiB"), std::string::npos) << message;  // requested
    EXPECT_NE(message.find("4.00 MiB"), std::string::npos) << message;  // capacity
    EXPECT_NE(message.find("2.00 MiB"), std::string::npos) << message;  // allocated / reserved
    EXPECT_NE(message.find("FLAGOS_HOST_MEMORY_LIMIT"), std::string::npos) << message;
  }
  EXPECT_TRUE(thrown);
  const DeviceStats s = stats();
  EXPECT_EQ(s.num_ooms, 1);
  EXPECT_EQ(s.num_alloc_retries, 1) << "it retried once after releasing the cache";
  EXPECT_EQ(s.allocated_bytes[kAgg].current, static_cast<int64_t>(2 * MiB)) << "a failed allocation leaks nothing";
  EXPECT_TRUE(alloc().holds(held.get()));

  // c10::OutOfMemoryError is a c10::Error, as callers catching the generic type expect.
  EXPECT_THROW(alloc().allocate(5 * MiB), c10::Error);

  // Freeing the live block makes room again.
  held.clear();
  c10::DataPtr p = alloc().allocate(3 * MiB);
  EXPECT_NE(p.get(), nullptr);
}

TEST_F(CachingAllocatorOom, RequestLargerThanDevice) {
  try {
    c10::DataPtr p = alloc().allocate(5 * MiB + 123);
    ADD_FAILURE() << "5 MiB fitted into a 4 MiB device";
  } catch (const c10::OutOfMemoryError& e) {
    const std::string message = e.what_without_backtrace();
    EXPECT_NE(message.find("flagos:0"), std::string::npos) << message;
    EXPECT_NE(message.find("5.00 MiB"), std::string::npos) << message;  // requested
    EXPECT_NE(message.find("6.00 MiB"), std::string::npos) << message;  // rounded size in the pool
  }
  EXPECT_EQ(stats().num_ooms, 1);
}

}  // namespace
