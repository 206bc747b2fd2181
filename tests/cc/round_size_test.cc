// CachingAllocator::round_size(): the size classes of flagos' caching allocator.
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "runtime/core/caching_allocator.h"

namespace {

using flagos::CachingAllocator;

constexpr size_t MiB = size_t{1} << 20;

// ---- round_size --------------------------------------------------------------------------------

TEST(RoundSize, SmallSizesUse512ByteSteps) {
  EXPECT_EQ(CachingAllocator::round_size(0), 0u);
  EXPECT_EQ(CachingAllocator::round_size(1), 512u);
  EXPECT_EQ(CachingAllocator::round_size(512), 512u);
  EXPECT_EQ(CachingAllocator::round_size(513), 1024u);
  EXPECT_EQ(CachingAllocator::round_size(MiB), MiB);
  for (size_t n = 1; n <= MiB; ++n) {
    const size_t r = CachingAllocator::round_size(n);
    if (r % 512 != 0 || r < n || r - n >= 512) {
      ADD_FAILURE() << "round_size(" << n << ") = " << r << ": expected the next multiple of 512";
      break;
    }
  }
}

TEST(RoundSize, LargeSizesHaveAtMostQuarterSlack) {
  EXPECT_EQ(CachingAllocator::round_size(MiB + 1), MiB + MiB / 4);
  EXPECT_EQ(CachingAllocator::round_size(2 * MiB), 2 * MiB);
  EXPECT_EQ(CachingAllocator::round_size(2 * MiB + 1), 2 * MiB + MiB / 2);
  EXPECT_EQ(CachingAllocator::round_size(3 * MiB), 3 * MiB);
  EXPECT_EQ(CachingAllocator::round_size(5 * MiB), 5 * MiB);
  EXPECT_EQ(CachingAllocator::round_size(5 * MiB + 1), 6 * MiB);

  std::vector<size_t> sizes;
  for (size_t n = MiB + 1; n < 64 * MiB; n += 4093) sizes.push_back(n);
  for (int bit = 21; bit < 63; ++bit) {
    const size_t p = size_t{1} << bit;
    for (size_t n : {p - 1, p, p + 1, p + p / 3}) sizes.push_back(n);
  }
  sizes.push_back((size_t{1} << 63) - 1);  // the largest nbytes torch's int64 sizes can ask for
  for (size_t n : sizes) {
    const size_t r = CachingAllocator::round_size(n);
    ASSERT_GE(r, n) << "round_size(" << n << ")";
    ASSERT_LE(r - n, n / 4) << "round_size(" << n << ") = " << r << " wastes more than 25%";
    ASSERT_EQ(CachingAllocator::round_size(r), r) << "a rounded size rounds to itself: " << r;
  }
}

TEST(RoundSize, Monotonic) {
  size_t previous = 0;
  for (size_t n = 0; n <= 20 * MiB; n += 37) {
    const size_t r = CachingAllocator::round_size(n);
    ASSERT_GE(r, previous) << "round_size(" << n << ") < round_size(" << n - 37 << ")";
    previous = r;
  }
  for (size_t n : {MiB - 1, MiB, MiB + 1, 2 * MiB - 1, 2 * MiB, 2 * MiB + 1, 4 * MiB, 4 * MiB + 1}) {
    EXPECT_LE(CachingAllocator::round_size(n), CachingAllocator::round_size(n + 1)) << n;
  }
}

// Sizes beyond 2^63 must not overflow the size-class search (they once looped forever); the
// watchdog turns a hang into a failure.
TEST(CachingAllocatorRoundSize, HugeSizesTerminate) {
  const size_t n = (size_t{1} << 63) + 1;
  auto result = std::make_shared<std::promise<size_t>>();
  std::future<size_t> rounded = result->get_future();
  std::thread([result, n] { result->set_value(CachingAllocator::round_size(n)); }).detach();
  if (rounded.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "round_size(2^63 + 1) did not return (infinite loop)";
    std::fflush(nullptr);
    _exit(1);  // the spinning thread cannot be stopped
  }
  // Quarter steps of 2^63: the next class is 2^63 + 2^61, which still fits in 64 bits.
  EXPECT_EQ(rounded.get(), (size_t{1} << 63) + (size_t{1} << 61));
}

}  // namespace
