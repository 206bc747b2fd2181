// The host HAL through its C API (runtime/hal/flagos_hal.h).
//
// One source, three targets (see BUILD.bazel), each with its own environment, because the host
// HAL reads its configuration once per process:
//   hal_test                    FLAGOS_HOST_DEVICE_COUNT=3         Hal*.* suites
//   hal_memory_limit_test       FLAGOS_HOST_MEMORY_LIMIT=1M        HalMemoryLimit.*
//   hal_bad_device_count_test   FLAGOS_HOST_DEVICE_COUNT=abc       HalBadDeviceCount.*
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "runtime/hal/flagos_hal.h"

namespace {

std::string last_error() { return flagos_hal_last_error(); }

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::vector<unsigned char> random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<unsigned char> out(n);
  for (auto& b : out) b = static_cast<unsigned char>(rng());
  return out;
}

// ---- devices (FLAGOS_HOST_DEVICE_COUNT=3) ------------------------------------------------------

class HalDevices : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(env("FLAGOS_HOST_DEVICE_COUNT"), "3") << "run through the hal_test target";
    ASSERT_EQ(flagos_hal_set_device(0), FLAGOS_HAL_SUCCESS);
  }
};

TEST_F(HalDevices, PlatformIsHost) { EXPECT_STREQ(flagos_hal_platform(), "host"); }

TEST_F(HalDevices, CountHonoursEnvironment) {
  int count = -1;
  ASSERT_EQ(flagos_hal_get_device_count(&count), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(count, 3);
  EXPECT_EQ(flagos_hal_get_device_count(nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(std::string(flagos_hal_device_count_source()).find("FLAGOS_HOST_DEVICE_COUNT"), std::string::npos);
}

TEST_F(HalDevices, StatusNames) {
  EXPECT_STREQ(flagos_hal_status_name(FLAGOS_HAL_SUCCESS), "success");
  EXPECT_STREQ(flagos_hal_status_name(FLAGOS_HAL_ERROR_OUT_OF_MEMORY), "out of memory");
  EXPECT_STREQ(flagos_hal_status_name(FLAGOS_HAL_ERROR_INVALID_DEVICE), "invalid device");
}

TEST_F(HalDevices, SetAndGetDevicePerThread) {
  ASSERT_EQ(flagos_hal_set_device(2), FLAGOS_HAL_SUCCESS);
  int device = -1;
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 2);

  int thread_initial = -1, thread_after = -1;
  flagos_hal_status thread_set = FLAGOS_HAL_ERROR_BACKEND;
  std::thread other([&] {
    (void)flagos_hal_get_device(&thread_initial);
    thread_set = flagos_hal_set_device(1);
    (void)flagos_hal_get_device(&thread_after);
  });
  other.join();
  EXPECT_EQ(thread_initial, 0) << "a new thread starts on device 0";
  EXPECT_EQ(thread_set, FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(thread_after, 1);

  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 2) << "another thread's set_device leaked into this thread";
  ASSERT_EQ(flagos_hal_set_device(0), FLAGOS_HAL_SUCCESS);
}

TEST_F(HalDevices, InvalidDeviceIndex) {
  for (int bad : {3, -1, 64, 1000}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(flagos_hal_set_device(bad), FLAGOS_HAL_ERROR_INVALID_DEVICE);
    EXPECT_NE(last_error().find("FLAGOS_HOST_DEVICE_COUNT"), std::string::npos) << last_error();
    EXPECT_NE(last_error().find(std::to_string(bad)), std::string::npos) << last_error();
  }
  void* p = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(flagos_hal_malloc(3, 16, &p), FLAGOS_HAL_ERROR_INVALID_DEVICE);
  size_t free_bytes = 0, total_bytes = 0;
  EXPECT_EQ(flagos_hal_mem_get_info(3, &free_bytes, &total_bytes), FLAGOS_HAL_ERROR_INVALID_DEVICE);
  EXPECT_EQ(flagos_hal_device_synchronize(-1), FLAGOS_HAL_ERROR_INVALID_DEVICE);
  flagos_hal_device_properties props;
  EXPECT_EQ(flagos_hal_get_device_properties(7, &props), FLAGOS_HAL_ERROR_INVALID_DEVICE);
  // The failed set_device left the current device alone.
  int device = -1;
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 0);
}

TEST_F(HalDevices, LastErrorIsPerThread) {
  ASSERT_EQ(flagos_hal_set_device(5), FLAGOS_HAL_ERROR_INVALID_DEVICE);
  const std::string mine = last_error();
  std::string theirs = "unset";
  std::thread other([&] {
    (void)flagos_hal_free(1, reinterpret_cast<void*>(0x40));  // fails: not a live allocation
    theirs = last_error();
  });
  other.join();
  EXPECT_EQ(last_error(), mine);
  EXPECT_NE(theirs, mine);
  EXPECT_NE(theirs.find("device 1"), std::string::npos) << theirs;
}

TEST_F(HalDevices, Properties) {
  flagos_hal_device_properties props;
  ASSERT_EQ(flagos_hal_get_device_properties(1, &props), FLAGOS_HAL_SUCCESS);
  EXPECT_NE(std::string(props.name).find("flagos host device"), std::string::npos) << props.name;
  EXPECT_GT(props.total_memory, 0u);
  EXPECT_GE(props.multi_processor_count, 1);
  EXPECT_EQ(flagos_hal_get_device_properties(0, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_device_synchronize(2), FLAGOS_HAL_SUCCESS);
}

// ---- memory -------------------------------------------------------------------------------------

class HalMemory : public HalDevices {};

TEST_F(HalMemory, RoundTripAllCopyKinds) {
  for (size_t n : {size_t{1}, size_t{63}, size_t{4096}, size_t{1} << 20}) {
    SCOPED_TRACE(n);
    const std::vector<unsigned char> src = random_bytes(n, static_cast<unsigned>(n));
    void* d0 = nullptr;
    void* d2 = nullptr;
    ASSERT_EQ(flagos_hal_malloc(0, n, &d0), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_malloc(2, n, &d2), FLAGOS_HAL_SUCCESS);
    ASSERT_NE(d0, nullptr);
    ASSERT_NE(d2, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(d0) % 64, 0u) << "device memory is 64-byte aligned";

    ASSERT_EQ(flagos_hal_memcpy(d0, src.data(), n, FLAGOS_HAL_HOST_TO_DEVICE), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_memcpy(d2, d0, n, FLAGOS_HAL_DEVICE_TO_DEVICE), FLAGOS_HAL_SUCCESS);
    std::vector<unsigned char> back(n, 0);
    ASSERT_EQ(flagos_hal_memcpy(back.data(), d2, n, FLAGOS_HAL_DEVICE_TO_HOST), FLAGOS_HAL_SUCCESS);
    EXPECT_EQ(back, src);

    // The async variant, on a stream and on the default (NULL) stream.
    flagos_hal_stream s = nullptr;
    ASSERT_EQ(flagos_hal_stream_create(2, 0, &s), FLAGOS_HAL_SUCCESS);
    const std::vector<unsigned char> src2 = random_bytes(n, static_cast<unsigned>(n) + 1);
    ASSERT_EQ(flagos_hal_memcpy_async(d2, src2.data(), n, FLAGOS_HAL_HOST_TO_DEVICE, s), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_memcpy_async(d0, d2, n, FLAGOS_HAL_DEVICE_TO_DEVICE, nullptr), FLAGOS_HAL_SUCCESS);
    std::vector<unsigned char> back2(n, 0);
    ASSERT_EQ(flagos_hal_memcpy_async(back2.data(), d0, n, FLAGOS_HAL_DEVICE_TO_HOST, s), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_stream_synchronize(s), FLAGOS_HAL_SUCCESS);
    EXPECT_EQ(back2, src2);
    ASSERT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);

    EXPECT_EQ(flagos_hal_free(0, d0), FLAGOS_HAL_SUCCESS);
    EXPECT_EQ(flagos_hal_free(2, d2), FLAGOS_HAL_SUCCESS);
  }
}

TEST_F(HalMemory, BadCopies) {
  unsigned char a[8] = {}, b[8] = {};
  EXPECT_EQ(flagos_hal_memcpy(a, b, 8, static_cast<flagos_hal_copy_kind>(7)), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("copy kind"), std::string::npos) << last_error();
  EXPECT_EQ(flagos_hal_memcpy(nullptr, b, 8, FLAGOS_HAL_HOST_TO_DEVICE), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_memcpy(a, nullptr, 8, FLAGOS_HAL_DEVICE_TO_HOST), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_memcpy(nullptr, nullptr, 0, FLAGOS_HAL_DEVICE_TO_DEVICE), FLAGOS_HAL_SUCCESS)
      << "an empty copy needs no pointers";
}

TEST_F(HalMemory, ZeroByteMallocGivesNull) {
  void* p = reinterpret_cast<void*>(0x1);
  ASSERT_EQ(flagos_hal_malloc(0, 0, &p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(flagos_hal_free(0, nullptr), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_malloc(0, 16, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
}

TEST_F(HalMemory, FreeOnWrongDeviceFails) {
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_malloc(1, 256, &p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_free(0, p), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("device 0"), std::string::npos) << last_error();
  EXPECT_EQ(flagos_hal_free(2, p), FLAGOS_HAL_ERROR_INVALID_VALUE);
  // The failed frees did not release it: the right device still can, exactly once.
  EXPECT_EQ(flagos_hal_free(1, p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_free(1, p), FLAGOS_HAL_ERROR_INVALID_VALUE) << "double free must be refused";
  int on_stack = 0;
  EXPECT_EQ(flagos_hal_free(0, &on_stack), FLAGOS_HAL_ERROR_INVALID_VALUE);
}

TEST_F(HalMemory, MemGetInfoReflectsAllocations) {
  size_t free0 = 0, total0 = 0, free_other = 0, total_other = 0;
  ASSERT_EQ(flagos_hal_mem_get_info(1, &free0, &total0), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_mem_get_info(2, &free_other, &total_other), FLAGOS_HAL_SUCCESS);
  EXPECT_GT(total0, 0u);
  EXPECT_LE(free0, total0);

  const size_t n = size_t{3} << 20;
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_malloc(1, n, &p), FLAGOS_HAL_SUCCESS);
  size_t free1 = 0, total1 = 0;
  ASSERT_EQ(flagos_hal_mem_get_info(1, &free1, &total1), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(total1, total0);
  EXPECT_EQ(free1, free0 - n);

  size_t free_other1 = 0, total_other1 = 0;
  ASSERT_EQ(flagos_hal_mem_get_info(2, &free_other1, &total_other1), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(free_other1, free_other) << "an allocation on device 1 changed device 2's free memory";

  ASSERT_EQ(flagos_hal_free(1, p), FLAGOS_HAL_SUCCESS);
  size_t free2 = 0, total2 = 0;
  ASSERT_EQ(flagos_hal_mem_get_info(1, &free2, &total2), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(free2, free0);
  EXPECT_EQ(flagos_hal_mem_get_info(1, nullptr, &total2), FLAGOS_HAL_ERROR_INVALID_VALUE);
}

TEST_F(HalMemory, PinnedHostMemory) {
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_host_alloc(1000, &p), FLAGOS_HAL_SUCCESS);
  ASSERT_NE(p, nullptr);
  std::memset(p, 0xab, 1000);
  EXPECT_EQ(static_cast<unsigned char*>(p)[999], 0xab);
  EXPECT_EQ(flagos_hal_host_free(p), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_host_alloc(0, &p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(flagos_hal_host_alloc(16, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
}

// ---- streams --------------------------------------------------------------------------------------

class HalStreams : public HalDevices {};

TEST_F(HalStreams, CreateQuerySynchronizeDestroy) {
  int least = 1, greatest = 1;
  ASSERT_EQ(flagos_hal_stream_priority_range(&least, &greatest), FLAGOS_HAL_SUCCESS);
  EXPECT_LE(greatest, least) << "lower numbers are higher priorities";
  EXPECT_EQ(flagos_hal_stream_priority_range(nullptr, &greatest), FLAGOS_HAL_ERROR_INVALID_VALUE);

  for (int device = 0; device < 3; ++device) {
    for (int priority : {least, greatest}) {
      flagos_hal_stream s = nullptr;
      ASSERT_EQ(flagos_hal_stream_create(device, priority, &s), FLAGOS_HAL_SUCCESS);
      ASSERT_NE(s, nullptr);
      EXPECT_EQ(flagos_hal_stream_query(s), FLAGOS_HAL_SUCCESS) << "host streams are always idle";
      EXPECT_EQ(flagos_hal_stream_synchronize(s), FLAGOS_HAL_SUCCESS);
      EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
    }
  }
  flagos_hal_stream a = nullptr, b = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(0, 0, &a), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_stream_create(0, 0, &b), FLAGOS_HAL_SUCCESS);
  EXPECT_NE(a, b) << "each created stream is a distinct handle";
  EXPECT_EQ(flagos_hal_stream_destroy(a), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(b), FLAGOS_HAL_SUCCESS);

  // The default (NULL) stream.
  EXPECT_EQ(flagos_hal_stream_query(nullptr), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_synchronize(nullptr), FLAGOS_HAL_SUCCESS);
}

TEST_F(HalStreams, CreateChecksArguments) {
  flagos_hal_stream s = nullptr;
  EXPECT_EQ(flagos_hal_stream_create(3, 0, &s), FLAGOS_HAL_ERROR_INVALID_DEVICE);
  EXPECT_EQ(flagos_hal_stream_create(0, 0, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
}

TEST_F(HalStreams, WaitEvent) {
  flagos_hal_stream s = nullptr;
  flagos_hal_event e = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(1, 0, &s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(1, FLAGOS_HAL_EVENT_DEFAULT, &e), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(e, s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_wait_event(s, e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_wait_event(nullptr, e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_wait_event(s, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_event_destroy(e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
}

// ---- events -----------------------------------------------------------------------------------------

class HalEvents : public HalDevices {};

TEST_F(HalEvents, ElapsedTimeIsOrdered) {
  flagos_hal_stream s = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(0, 0, &s), FLAGOS_HAL_SUCCESS);
  flagos_hal_event start = nullptr, end1 = nullptr, end2 = nullptr;
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DEFAULT, &start), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DEFAULT, &end1), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_BLOCKING_SYNC, &end2), FLAGOS_HAL_SUCCESS);

  ASSERT_EQ(flagos_hal_event_record(start, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(end1, s), FLAGOS_HAL_SUCCESS);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(flagos_hal_event_record(end2, nullptr), FLAGOS_HAL_SUCCESS);
  for (flagos_hal_event e : {start, end1, end2}) {
    EXPECT_EQ(flagos_hal_event_query(e), FLAGOS_HAL_SUCCESS);
    EXPECT_EQ(flagos_hal_event_synchronize(e), FLAGOS_HAL_SUCCESS);
  }

  float ms1 = -1, ms2 = -1;
  ASSERT_EQ(flagos_hal_event_elapsed_ms(&ms1, start, end1), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_elapsed_ms(&ms2, start, end2), FLAGOS_HAL_SUCCESS);
  EXPECT_GE(ms1, 0.0f);
  EXPECT_GT(ms2, ms1) << "end2 was recorded after a sleep, after end1";

  // Re-recording moves the event forward.
  float before = -1, after = -1;
  ASSERT_EQ(flagos_hal_event_elapsed_ms(&before, start, end1), FLAGOS_HAL_SUCCESS);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(flagos_hal_event_record(end1, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_elapsed_ms(&after, start, end1), FLAGOS_HAL_SUCCESS);
  EXPECT_GT(after, before);

  for (flagos_hal_event e : {start, end1, end2}) EXPECT_EQ(flagos_hal_event_destroy(e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
}

TEST_F(HalEvents, DisableTimingRefusesElapsed) {
  flagos_hal_event timed = nullptr, untimed = nullptr;
  ASSERT_EQ(flagos_hal_event_create(1, FLAGOS_HAL_EVENT_DEFAULT, &timed), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(1, FLAGOS_HAL_EVENT_DISABLE_TIMING, &untimed), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_set_device(1), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(timed, nullptr), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(untimed, nullptr), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_set_device(0), FLAGOS_HAL_SUCCESS);
  float ms = 0;
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, timed, untimed), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("timing"), std::string::npos) << last_error();
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, untimed, timed), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, untimed, untimed), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_event_elapsed_ms(nullptr, timed, timed), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, timed, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_event_destroy(timed), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_destroy(untimed), FLAGOS_HAL_SUCCESS);
}

TEST_F(HalEvents, UnrecordedEventsRefuseElapsed) {
  flagos_hal_event a = nullptr, b = nullptr;
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DEFAULT, &a), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DEFAULT, &b), FLAGOS_HAL_SUCCESS);
  float ms = 0;
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, a, b), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("recorded"), std::string::npos) << last_error();
  ASSERT_EQ(flagos_hal_event_record(a, nullptr), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, a, b), FLAGOS_HAL_ERROR_INVALID_VALUE) << "end not recorded";
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, b, a), FLAGOS_HAL_ERROR_INVALID_VALUE) << "start not recorded";
  ASSERT_EQ(flagos_hal_event_record(b, nullptr), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, a, b), FLAGOS_HAL_SUCCESS);
  EXPECT_GE(ms, 0.0f);
  EXPECT_EQ(flagos_hal_event_destroy(a), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_destroy(b), FLAGOS_HAL_SUCCESS);
}

TEST_F(HalEvents, RecordChecksDevice) {
  flagos_hal_stream s2 = nullptr;
  flagos_hal_event e0 = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(2, 0, &s2), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DEFAULT, &e0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_record(e0, s2), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("device 2"), std::string::npos) << last_error();
  EXPECT_EQ(flagos_hal_event_record(nullptr, s2), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_event_query(nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
  flagos_hal_event e = nullptr;
  EXPECT_EQ(flagos_hal_event_create(3, FLAGOS_HAL_EVENT_DEFAULT, &e), FLAGOS_HAL_ERROR_INVALID_DEVICE);
  EXPECT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DEFAULT, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_event_destroy(e0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s2), FLAGOS_HAL_SUCCESS);
}

// ---- FLAGOS_HOST_MEMORY_LIMIT=1M (hal_memory_limit_test) -------------------------------------------

class HalMemoryLimit : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(env("FLAGOS_HOST_MEMORY_LIMIT"), "1M") << "run through the hal_memory_limit_test target";
  }
};

TEST_F(HalMemoryLimit, TotalIsTheLimit) {
  size_t free_bytes = 0, total_bytes = 0;
  ASSERT_EQ(flagos_hal_mem_get_info(0, &free_bytes, &total_bytes), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(total_bytes, size_t{1} << 20);
  EXPECT_EQ(free_bytes, size_t{1} << 20);
  flagos_hal_device_properties props;
  ASSERT_EQ(flagos_hal_get_device_properties(0, &props), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(props.total_memory, uint64_t{1} << 20);
}

TEST_F(HalMemoryLimit, MallocBeyondLimitIsOutOfMemory) {
  void* p = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(flagos_hal_malloc(0, size_t{2} << 20, &p), FLAGOS_HAL_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(p, nullptr);
  const std::string message = last_error();
  EXPECT_NE(message.find("FLAGOS_HOST_MEMORY_LIMIT"), std::string::npos) << message;
  EXPECT_NE(message.find("1048576"), std::string::npos) << message;
}

TEST_F(HalMemoryLimit, LimitCountsLiveAllocations) {
  void* a = nullptr;
  void* b = nullptr;
  void* c = nullptr;
  ASSERT_EQ(flagos_hal_malloc(0, 512 << 10, &a), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_malloc(0, 512 << 10, &b), FLAGOS_HAL_SUCCESS);
  size_t free_bytes = 1, total_bytes = 0;
  ASSERT_EQ(flagos_hal_mem_get_info(0, &free_bytes, &total_bytes), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(free_bytes, 0u);
  EXPECT_EQ(flagos_hal_malloc(0, 1, &c), FLAGOS_HAL_ERROR_OUT_OF_MEMORY) << "the device is full";
  EXPECT_NE(last_error().find("FLAGOS_HOST_MEMORY_LIMIT"), std::string::npos) << last_error();
  ASSERT_EQ(flagos_hal_free(0, a), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_malloc(0, 512 << 10, &c), FLAGOS_HAL_SUCCESS) << "freeing made room again";
  EXPECT_EQ(flagos_hal_free(0, b), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_free(0, c), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_mem_get_info(0, &free_bytes, &total_bytes), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(free_bytes, total_bytes);
}

TEST_F(HalMemoryLimit, HugeRequestDoesNotOverflow) {
  void* p = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(flagos_hal_malloc(0, SIZE_MAX, &p), FLAGOS_HAL_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(p, nullptr);
}

// ---- FLAGOS_HOST_DEVICE_COUNT=abc (hal_bad_device_count_test) --------------------------------------

class HalBadDeviceCount : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(env("FLAGOS_HOST_DEVICE_COUNT"), "abc") << "run through the hal_bad_device_count_test target";
  }
  static void expect_names_variable() {
    const std::string message = last_error();
    EXPECT_NE(message.find("FLAGOS_HOST_DEVICE_COUNT"), std::string::npos) << message;
    EXPECT_NE(message.find("abc"), std::string::npos) << message;
  }
};

TEST_F(HalBadDeviceCount, DeviceCountFails) {
  int count = 42;
  EXPECT_EQ(flagos_hal_get_device_count(&count), FLAGOS_HAL_ERROR_INVALID_VALUE);
  expect_names_variable();
}

TEST_F(HalBadDeviceCount, DeviceCallsFail) {
  EXPECT_EQ(flagos_hal_set_device(0), FLAGOS_HAL_ERROR_INVALID_VALUE);
  expect_names_variable();
  void* p = nullptr;
  EXPECT_EQ(flagos_hal_malloc(0, 64, &p), FLAGOS_HAL_ERROR_INVALID_VALUE);
  expect_names_variable();
  size_t free_bytes = 0, total_bytes = 0;
  EXPECT_EQ(flagos_hal_mem_get_info(0, &free_bytes, &total_bytes), FLAGOS_HAL_ERROR_INVALID_VALUE);
  expect_names_variable();
  flagos_hal_stream s = nullptr;
  EXPECT_EQ(flagos_hal_stream_create(0, 0, &s), FLAGOS_HAL_ERROR_INVALID_VALUE);
  expect_names_variable();
  flagos_hal_event e = nullptr;
  EXPECT_EQ(flagos_hal_event_create(0, 0, &e), FLAGOS_HAL_ERROR_INVALID_VALUE);
  expect_names_variable();
  EXPECT_EQ(flagos_hal_device_synchronize(0), FLAGOS_HAL_ERROR_INVALID_VALUE);
  expect_names_variable();
}

}  // namespace
