// The ascend HAL (runtime/hal/ascend) through its C API, linked against the SYNTHETIC stand-in
// AscendCL of tests/synthetic_sdk (not Huawei's runtime; no NPU involved).
//
// What this checks is flagos' own logic: which ACL call each HAL function makes, with which
// device current and on which stream (the stand-in records every call), that asynchronous work
// really is ordered by the HAL's streams and events (the stand-in runs stream work late), and how
// every ACL error becomes a HAL status and message (the stand-in fails any call on request).
//
// One source, four targets (BUILD.bazel), because ACL is initialised once per process:
//   ascend_hal_test              AscendHal.*            3 devices of 16 MiB
//   ascend_hal_init_test         AscendInit.*           aclInit once, from many threads
//   ascend_hal_init_failure_test AscendInitFailure.*    aclInit fails
//   ascend_hal_init_by_other_test AscendInitByOther.*   another library called aclInit first
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "flagos_synthetic/acl_control.h"
#include "runtime/hal/ascend/ascend_hal.h"
#include "runtime/hal/flagos_hal.h"

namespace {

std::string last_error() { return flagos_hal_last_error(); }

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

synthetic_acl_call last_call(const char* api) {
  synthetic_acl_call call;
  std::memset(&call, 0, sizeof(call));
  call.device = -100;
  EXPECT_EQ(synthetic_acl_get_call(api, -1, &call), 1) << "no recorded call of " << api;
  return call;
}

std::vector<unsigned char> pattern(size_t n, unsigned seed) {
  std::vector<unsigned char> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<unsigned char>((i * 131 + seed * 7 + 1) & 0xff);
  return v;
}

class AscendHal : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_STREQ(std::getenv("FLAGOS_SYNTHETIC_DEVICE_COUNT"), "3") << "run through the ascend_hal_test target";
    ASSERT_EQ(flagos_hal_set_device(0), FLAGOS_HAL_SUCCESS) << last_error();
    synthetic_acl_clear();
  }
};

// ---- identity and devices -----------------------------------------------------------------------

TEST_F(AscendHal, Identity) {
  EXPECT_STREQ(flagos_hal_platform(), "ascend");
  EXPECT_STREQ(flagos_hal_status_name(FLAGOS_HAL_ERROR_OUT_OF_MEMORY), "out of memory");
  EXPECT_STREQ(flagos_hal_status_name(FLAGOS_HAL_ERROR_BACKEND), "backend error");
  EXPECT_NE(std::string(flagos_hal_device_count_source()).find("ASCEND_RT_VISIBLE_DEVICES"), std::string::npos);
  // The HAL initialised ACL: a second aclInit is refused as a repeat.
  EXPECT_EQ(aclInit(nullptr), ACL_ERROR_REPEAT_INITIALIZE);
}

TEST_F(AscendHal, DeviceCount) {
  int count = -1;
  ASSERT_EQ(flagos_hal_get_device_count(&count), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(count, 3);
  EXPECT_EQ(synthetic_acl_call_count("aclrtGetDeviceCount"), 1);
  EXPECT_EQ(flagos_hal_get_device_count(nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
}

TEST_F(AscendHal, SetAndGetDevicePerThread) {
  ASSERT_EQ(flagos_hal_set_device(2), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("aclrtSetDevice").device, 2);
  int device = -1;
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 2);

  int initial = -1, after = -1, acl_before = -1;
  aclError acl_get = ACL_SUCCESS;
  flagos_hal_status set = FLAGOS_HAL_ERROR_BACKEND;
  std::thread other([&] {
    acl_get = aclrtGetDevice(&acl_before);  // a fresh thread has no ACL device
    (void)flagos_hal_get_device(&initial);
    set = flagos_hal_set_device(1);
    (void)flagos_hal_get_device(&after);
  });
  other.join();
  EXPECT_EQ(acl_get, ACL_ERROR_RT_CONTEXT_NULL);
  EXPECT_EQ(initial, 0) << "a new thread starts on device 0";
  EXPECT_EQ(set, FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(after, 1);
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 2) << "another thread's device leaked into this one";
}

TEST_F(AscendHal, GetDeviceFollowsAclWhenAnotherLibrarySwitches) {
  ASSERT_EQ(aclrtSetDevice(1), ACL_SUCCESS);  // e.g. torch_npu or user code calling ACL directly
  int device = -1;
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 1);
}

TEST_F(AscendHal, InvalidDeviceIsRefusedBeforeAcl) {
  for (int bad : {3, -1, 64}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(flagos_hal_set_device(bad), FLAGOS_HAL_ERROR_INVALID_DEVICE);
    EXPECT_NE(last_error().find("device " + std::to_string(bad) + " does not exist"), std::string::npos) << last_error();
    EXPECT_NE(last_error().find("3 NPU(s)"), std::string::npos) << last_error();
    void* p = reinterpret_cast<void*>(0x1);
    EXPECT_EQ(flagos_hal_malloc(bad, 16, &p), FLAGOS_HAL_ERROR_INVALID_DEVICE);
    EXPECT_EQ(p, nullptr);
    flagos_hal_stream s = nullptr;
    EXPECT_EQ(flagos_hal_stream_create(bad, 0, &s), FLAGOS_HAL_ERROR_INVALID_DEVICE);
    flagos_hal_event e = nullptr;
    EXPECT_EQ(flagos_hal_event_create(bad, 0, &e), FLAGOS_HAL_ERROR_INVALID_DEVICE);
    EXPECT_EQ(flagos_hal_device_synchronize(bad), FLAGOS_HAL_ERROR_INVALID_DEVICE);
  }
  EXPECT_EQ(synthetic_acl_call_count("aclrtSetDevice"), 0) << "ACL was asked to switch to a device that does not exist";
  EXPECT_EQ(synthetic_acl_call_count("aclrtMalloc"), 0);
  int device = -1;
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 0);
}

TEST_F(AscendHal, Properties) {
  flagos_hal_device_properties props;
  ASSERT_EQ(flagos_hal_get_device_properties(1, &props), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_NE(std::string(props.name).find("SyntheticAscend"), std::string::npos) << props.name;
  EXPECT_EQ(props.total_memory, uint64_t{16} << 20);
  EXPECT_EQ(props.multi_processor_count, 20) << "AI Cores from aclGetDeviceCapability";
  EXPECT_EQ(props.major, 0);
  const synthetic_acl_call cap = last_call("aclGetDeviceCapability");
  EXPECT_EQ(cap.device, 1);
  EXPECT_EQ(cap.flags, static_cast<unsigned>(ACL_DEVICE_INFO_AI_CORE_NUM));
  EXPECT_EQ(last_call("aclrtGetMemInfo").device, 1) << "memory was asked of the wrong device";
  EXPECT_EQ(flagos_hal_get_device_properties(0, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
  int device = -1;
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 0) << "querying device 1 changed the current device";
}

// ---- memory -----------------------------------------------------------------------------------

TEST_F(AscendHal, MallocAndFreeRunOnTheirDevice) {
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_malloc(2, 1000, &p), FLAGOS_HAL_SUCCESS) << last_error();
  ASSERT_NE(p, nullptr);
  const synthetic_acl_call malloc_call = last_call("aclrtMalloc");
  EXPECT_EQ(malloc_call.device, 2) << "aclrtMalloc ran with the wrong device current";
  EXPECT_EQ(malloc_call.bytes, 1000u);
  EXPECT_EQ(malloc_call.flags, static_cast<unsigned>(ACL_MEM_MALLOC_HUGE_FIRST));
  EXPECT_EQ(synthetic_acl_device_used(2), 1000u);
  EXPECT_EQ(synthetic_acl_device_used(0), 0u);
  int32_t acl_device = -1;
  ASSERT_EQ(aclrtGetDevice(&acl_device), ACL_SUCCESS);
  EXPECT_EQ(acl_device, 0) << "the HAL did not switch back after allocating on device 2";

  ASSERT_EQ(flagos_hal_free(2, p), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(last_call("aclrtFree").device, 2);
  EXPECT_EQ(synthetic_acl_device_used(2), 0u);
}

TEST_F(AscendHal, BadFreesNeverReachAcl) {
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_malloc(1, 256, &p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_free(0, p), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("belongs to device 1"), std::string::npos) << last_error();
  int on_stack = 0;
  EXPECT_EQ(flagos_hal_free(0, &on_stack), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(synthetic_acl_call_count("aclrtFree"), 0);
  EXPECT_EQ(flagos_hal_free(1, p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_free(1, p), FLAGOS_HAL_ERROR_INVALID_VALUE) << "double free";
  EXPECT_EQ(synthetic_acl_call_count("aclrtFree"), 1);
  EXPECT_EQ(flagos_hal_free(1, nullptr), FLAGOS_HAL_SUCCESS);
}

TEST_F(AscendHal, ZeroSizeAndNullArguments) {
  void* p = reinterpret_cast<void*>(0x1);
  ASSERT_EQ(flagos_hal_malloc(0, 0, &p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(synthetic_acl_call_count("aclrtMalloc"), 0) << "ACL refuses zero-byte allocations";
  EXPECT_EQ(flagos_hal_malloc(0, 16, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_memcpy(nullptr, nullptr, 0, FLAGOS_HAL_HOST_TO_DEVICE), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(synthetic_acl_call_count("aclrtMemcpy"), 0);
  unsigned char a[8] = {};
  EXPECT_EQ(flagos_hal_memcpy(nullptr, a, 8, FLAGOS_HAL_HOST_TO_DEVICE), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_memcpy(a, a, 8, static_cast<flagos_hal_copy_kind>(9)), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("copy kind"), std::string::npos);
}

TEST_F(AscendHal, OutOfMemoryNamesTheAclCall) {
  void* p = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(flagos_hal_malloc(1, size_t{32} << 20, &p), FLAGOS_HAL_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(p, nullptr);
  const std::string message = last_error();
  EXPECT_TRUE(starts_with(message, "aclrtMalloc failed with ACL error 207001: synthetic ACL: aclrtMalloc: device 1 has"))
      << message;
  EXPECT_NE(message.find("[device 1, 33554432 bytes]"), std::string::npos) << message;
}

TEST_F(AscendHal, MemGetInfoPerDevice) {
  size_t free0 = 0, total0 = 0;
  ASSERT_EQ(flagos_hal_mem_get_info(2, &free0, &total0), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(total0, size_t{16} << 20);
  EXPECT_EQ(last_call("aclrtGetMemInfo").flags, static_cast<unsigned>(ACL_HBM_MEM));
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_malloc(2, 4096, &p), FLAGOS_HAL_SUCCESS);
  size_t free1 = 0, total1 = 0, free_other = 0, total_other = 0;
  ASSERT_EQ(flagos_hal_mem_get_info(2, &free1, &total1), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_mem_get_info(1, &free_other, &total_other), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(free1, free0 - 4096);
  EXPECT_EQ(free_other, total_other) << "device 1 saw device 2's allocation";
  ASSERT_EQ(flagos_hal_free(2, p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_mem_get_info(2, nullptr, &total1), FLAGOS_HAL_ERROR_INVALID_VALUE);
}

TEST_F(AscendHal, PinnedHostMemory) {
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_host_alloc(3000, &p), FLAGOS_HAL_SUCCESS) << last_error();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(last_call("aclrtMallocHost").bytes, 3000u);
  std::memset(p, 0x5a, 3000);
  ASSERT_EQ(flagos_hal_host_free(p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("aclrtFreeHost").ptr, p);
  ASSERT_EQ(flagos_hal_host_alloc(0, &p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(flagos_hal_host_alloc(8, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
}

// ---- copies ------------------------------------------------------------------------------------

TEST_F(AscendHal, SynchronousCopiesUseTheRightKinds) {
  const size_t n = 4096 + 3;
  const auto src = pattern(n, 1);
  void* d0 = nullptr;
  void* d2 = nullptr;
  ASSERT_EQ(flagos_hal_malloc(0, n, &d0), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_malloc(2, n, &d2), FLAGOS_HAL_SUCCESS);
  // The stand-in checks each kind against the pointers, so a wrong mapping fails here.
  ASSERT_EQ(flagos_hal_memcpy(d0, src.data(), n, FLAGOS_HAL_HOST_TO_DEVICE), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(last_call("aclrtMemcpy").kind, ACL_MEMCPY_HOST_TO_DEVICE);
  ASSERT_EQ(flagos_hal_memcpy(d2, d0, n, FLAGOS_HAL_DEVICE_TO_DEVICE), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(last_call("aclrtMemcpy").kind, ACL_MEMCPY_DEVICE_TO_DEVICE);
  std::vector<unsigned char> back(n, 0);
  ASSERT_EQ(flagos_hal_memcpy(back.data(), d2, n, FLAGOS_HAL_DEVICE_TO_HOST), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(last_call("aclrtMemcpy").kind, ACL_MEMCPY_DEVICE_TO_HOST);
  EXPECT_EQ(last_call("aclrtMemcpy").bytes, n);
  EXPECT_EQ(back, src);
  // A kind that contradicts the pointers is ACL's error, mapped and named.
  EXPECT_EQ(flagos_hal_memcpy(back.data(), src.data(), n, FLAGOS_HAL_HOST_TO_DEVICE), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_TRUE(starts_with(last_error(), "aclrtMemcpy failed with ACL error 100000: ")) << last_error();
  EXPECT_EQ(flagos_hal_free(0, d0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_free(2, d2), FLAGOS_HAL_SUCCESS);
}

TEST_F(AscendHal, AsyncCopyGoesToTheGivenStreamAndCompletesOnSynchronize) {
  const size_t n = 1 << 16;
  const auto src = pattern(n, 2);
  flagos_hal_stream s = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(1, 0, &s), FLAGOS_HAL_SUCCESS) << last_error();
  void* d = nullptr;
  ASSERT_EQ(flagos_hal_malloc(1, n, &d), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_memcpy(d, std::vector<unsigned char>(n, 0).data(), n, FLAGOS_HAL_HOST_TO_DEVICE),
            FLAGOS_HAL_SUCCESS);

  ASSERT_EQ(flagos_hal_memcpy_async(d, src.data(), n, FLAGOS_HAL_HOST_TO_DEVICE, s), FLAGOS_HAL_SUCCESS) << last_error();
  const synthetic_acl_call copy = last_call("aclrtMemcpyAsync");
  EXPECT_EQ(copy.stream, flagos_ascend_acl_stream(s)) << "the copy went to another stream";
  EXPECT_EQ(copy.device, 1) << "the copy was issued without its stream's device current";
  EXPECT_EQ(copy.kind, ACL_MEMCPY_HOST_TO_DEVICE);
  EXPECT_EQ(synthetic_acl_pending(flagos_ascend_acl_stream(s)), 1);
  EXPECT_NE(std::memcmp(d, src.data(), n), 0) << "an asynchronous copy completed before its stream ran";
  EXPECT_EQ(flagos_hal_stream_query(s), FLAGOS_HAL_ERROR_NOT_READY);

  ASSERT_EQ(flagos_hal_stream_synchronize(s), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(std::memcmp(d, src.data(), n), 0);
  EXPECT_EQ(flagos_hal_stream_query(s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("aclrtSynchronizeStream").stream, flagos_ascend_acl_stream(s));

  int device = -1;
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 0);
  EXPECT_EQ(flagos_hal_free(1, d), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
}

TEST_F(AscendHal, AsyncCopyOnTheDefaultStream) {
  const size_t n = 512;
  const auto src = pattern(n, 3);
  ASSERT_EQ(flagos_hal_set_device(2), FLAGOS_HAL_SUCCESS);
  void* d = nullptr;
  ASSERT_EQ(flagos_hal_malloc(2, n, &d), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_memcpy_async(d, src.data(), n, FLAGOS_HAL_HOST_TO_DEVICE, nullptr), FLAGOS_HAL_SUCCESS);
  const synthetic_acl_call copy = last_call("aclrtMemcpyAsync");
  EXPECT_EQ(copy.stream, nullptr);
  EXPECT_EQ(copy.device, 2) << "the NULL stream is the current device's default stream";
  ASSERT_EQ(flagos_hal_stream_synchronize(nullptr), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(std::memcmp(d, src.data(), n), 0);
  EXPECT_EQ(flagos_hal_free(2, d), FLAGOS_HAL_SUCCESS);
}

// ---- streams -----------------------------------------------------------------------------------

TEST_F(AscendHal, StreamsAreCreatedAndDestroyedOnTheirDevice) {
  int least = 5, greatest = 5;
  ASSERT_EQ(flagos_hal_stream_priority_range(&least, &greatest), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(least, 0);
  EXPECT_EQ(greatest, 0);
  for (int device = 0; device < 3; ++device) {
    SCOPED_TRACE(device);
    flagos_hal_stream s = nullptr;
    ASSERT_EQ(flagos_hal_stream_create(device, -1, &s), FLAGOS_HAL_SUCCESS) << last_error();
    EXPECT_EQ(last_call("aclrtCreateStream").device, device);
    EXPECT_NE(flagos_ascend_acl_stream(s), nullptr);
    EXPECT_EQ(flagos_hal_stream_query(s), FLAGOS_HAL_SUCCESS);
    EXPECT_EQ(flagos_hal_stream_synchronize(s), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS) << last_error();
    EXPECT_EQ(last_call("aclrtDestroyStream").device, device);
  }
  EXPECT_EQ(flagos_hal_stream_create(0, 0, nullptr), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(flagos_hal_stream_destroy(nullptr), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_ascend_acl_stream(nullptr), nullptr);
}

// ---- events ------------------------------------------------------------------------------------

TEST_F(AscendHal, EventFlags) {
  flagos_hal_event timed = nullptr, untimed = nullptr, blocking = nullptr;
  ASSERT_EQ(flagos_hal_event_create(1, FLAGOS_HAL_EVENT_DEFAULT, &timed), FLAGOS_HAL_SUCCESS);
  synthetic_acl_call c = last_call("aclrtCreateEventWithFlag");
  EXPECT_EQ(c.flags, ACL_EVENT_SYNC | ACL_EVENT_TIME_LINE);
  EXPECT_EQ(c.device, 1);
  ASSERT_EQ(flagos_hal_event_create(1, FLAGOS_HAL_EVENT_DISABLE_TIMING, &untimed), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("aclrtCreateEventWithFlag").flags, ACL_EVENT_SYNC);
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_BLOCKING_SYNC, &blocking), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("aclrtCreateEventWithFlag").flags, ACL_EVENT_SYNC | ACL_EVENT_TIME_LINE);
  for (flagos_hal_event e : {timed, untimed, blocking}) EXPECT_EQ(flagos_hal_event_destroy(e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(synthetic_acl_call_count("aclrtDestroyEvent"), 3);
}

TEST_F(AscendHal, ElapsedTimeBetweenRecordedEvents) {
  flagos_hal_stream s = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(0, 0, &s), FLAGOS_HAL_SUCCESS);
  flagos_hal_event start = nullptr, end = nullptr;
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DEFAULT, &start), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DEFAULT, &end), FLAGOS_HAL_SUCCESS);

  ASSERT_EQ(flagos_hal_event_record(start, s), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(last_call("aclrtRecordEvent").stream, flagos_ascend_acl_stream(s));
  EXPECT_EQ(last_call("aclrtRecordEvent").ptr, flagos_ascend_acl_event(start));
  ASSERT_EQ(flagos_hal_event_synchronize(start), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_query(start), FLAGOS_HAL_SUCCESS);
  std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_EQ(flagos_hal_event_record(end, s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_query(end), FLAGOS_HAL_ERROR_NOT_READY) << "the stream has not reached the event yet";
  float ms = -1;
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, start, end), FLAGOS_HAL_SUCCESS)
      << "the previous query let the stream reach the event: " << last_error();
  EXPECT_GE(ms, 20.0f);
  EXPECT_LT(ms, 5000.0f);
  for (flagos_hal_event e : {start, end}) EXPECT_EQ(flagos_hal_event_destroy(e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
}

TEST_F(AscendHal, ElapsedTimeOfAnIncompleteEventIsNotReady) {
  flagos_hal_stream s = nullptr;
  flagos_hal_event start = nullptr, end = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(0, 0, &s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, 0, &start), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, 0, &end), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(start, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(end, s), FLAGOS_HAL_SUCCESS);
  float ms = 0;
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, start, end), FLAGOS_HAL_ERROR_NOT_READY);
  EXPECT_TRUE(starts_with(last_error(), "aclrtEventElapsedTime failed with ACL error 507006: ")) << last_error();
  ASSERT_EQ(flagos_hal_stream_synchronize(s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, start, end), FLAGOS_HAL_SUCCESS);
  for (flagos_hal_event e : {start, end}) EXPECT_EQ(flagos_hal_event_destroy(e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
}

TEST_F(AscendHal, UnrecordedAndUntimedEvents) {
  flagos_hal_event e = nullptr, untimed = nullptr;
  flagos_hal_stream s = nullptr;
  ASSERT_EQ(flagos_hal_event_create(0, 0, &e), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DISABLE_TIMING, &untimed), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_stream_create(0, 0, &s), FLAGOS_HAL_SUCCESS);
  synthetic_acl_clear();
  EXPECT_EQ(flagos_hal_event_query(e), FLAGOS_HAL_SUCCESS) << "an event never recorded is complete";
  EXPECT_EQ(flagos_hal_event_synchronize(e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_wait_event(s, e), FLAGOS_HAL_SUCCESS) << "waiting on it is a no-op";
  EXPECT_EQ(synthetic_acl_call_count("aclrtStreamWaitEvent"), 0);
  EXPECT_EQ(synthetic_acl_call_count("aclrtQueryEventStatus"), 0);
  float ms = 0;
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, e, e), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("recorded"), std::string::npos);
  ASSERT_EQ(flagos_hal_event_record(e, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(untimed, s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, e, untimed), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("timing"), std::string::npos);
  EXPECT_EQ(synthetic_acl_call_count("aclrtEventElapsedTime"), 0);
  EXPECT_EQ(flagos_hal_stream_synchronize(s), FLAGOS_HAL_SUCCESS);
  for (flagos_hal_event ev : {e, untimed}) EXPECT_EQ(flagos_hal_event_destroy(ev), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
}

TEST_F(AscendHal, RecordOnAStreamOfAnotherDeviceIsRefused) {
  flagos_hal_stream s2 = nullptr;
  flagos_hal_event e0 = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(2, 0, &s2), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, 0, &e0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_record(e0, s2), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("device 2"), std::string::npos) << last_error();
  EXPECT_EQ(synthetic_acl_call_count("aclrtRecordEvent"), 0);
  // On the NULL stream, an event is recorded on its own device's default stream.
  ASSERT_EQ(flagos_hal_set_device(1), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(e0, nullptr), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(last_call("aclrtRecordEvent").device, 0);
  EXPECT_EQ(flagos_hal_event_synchronize(e0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_destroy(e0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s2), FLAGOS_HAL_SUCCESS);
}

// Stream s2 must not read what stream s1 writes until s1 got there: the event orders them.
TEST_F(AscendHal, StreamWaitEventOrdersTwoStreams) {
  const size_t n = 2048;
  const auto src = pattern(n, 4);
  const std::vector<unsigned char> zeros(n, 0);
  for (bool wait : {true, false}) {
    SCOPED_TRACE(wait ? "with the wait" : "without the wait (control)");
    flagos_hal_stream s1 = nullptr, s2 = nullptr;
    flagos_hal_event e = nullptr;
    void* a = nullptr;
    void* b = nullptr;
    ASSERT_EQ(flagos_hal_stream_create(0, 0, &s1), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_stream_create(0, 0, &s2), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DISABLE_TIMING, &e), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_malloc(0, n, &a), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_malloc(0, n, &b), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_memcpy(a, zeros.data(), n, FLAGOS_HAL_HOST_TO_DEVICE), FLAGOS_HAL_SUCCESS);

    ASSERT_EQ(flagos_hal_memcpy_async(a, src.data(), n, FLAGOS_HAL_HOST_TO_DEVICE, s1), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_event_record(e, s1), FLAGOS_HAL_SUCCESS);
    if (wait) {
      ASSERT_EQ(flagos_hal_stream_wait_event(s2, e), FLAGOS_HAL_SUCCESS) << last_error();
      const synthetic_acl_call w = last_call("aclrtStreamWaitEvent");
      EXPECT_EQ(w.stream, flagos_ascend_acl_stream(s2));
      EXPECT_EQ(w.ptr, flagos_ascend_acl_event(e));
    }
    std::vector<unsigned char> out(n, 0xee);
    ASSERT_EQ(flagos_hal_memcpy_async(b, a, n, FLAGOS_HAL_DEVICE_TO_DEVICE, s2), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_memcpy_async(out.data(), b, n, FLAGOS_HAL_DEVICE_TO_HOST, s2), FLAGOS_HAL_SUCCESS);
    ASSERT_EQ(flagos_hal_stream_synchronize(s2), FLAGOS_HAL_SUCCESS);  // s2 only
    if (wait) {
      EXPECT_EQ(out, src);
    } else {
      EXPECT_EQ(out, zeros) << "the control should read a before s1 wrote it";
    }
    ASSERT_EQ(flagos_hal_stream_synchronize(s1), FLAGOS_HAL_SUCCESS);
    EXPECT_EQ(flagos_hal_free(0, a), FLAGOS_HAL_SUCCESS);
    EXPECT_EQ(flagos_hal_free(0, b), FLAGOS_HAL_SUCCESS);
    EXPECT_EQ(flagos_hal_event_destroy(e), FLAGOS_HAL_SUCCESS);
    EXPECT_EQ(flagos_hal_stream_destroy(s1), FLAGOS_HAL_SUCCESS);
    EXPECT_EQ(flagos_hal_stream_destroy(s2), FLAGOS_HAL_SUCCESS);
  }
}

TEST_F(AscendHal, DeviceSynchronizeRunsAllStreamsOfTheDevice) {
  const size_t n = 256;
  const auto src = pattern(n, 5);
  flagos_hal_stream s = nullptr;
  void* d = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(1, 0, &s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_malloc(1, n, &d), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_memcpy_async(d, src.data(), n, FLAGOS_HAL_HOST_TO_DEVICE, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_device_synchronize(1), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(last_call("aclrtSynchronizeDevice").device, 1);
  EXPECT_EQ(std::memcmp(d, src.data(), n), 0);
  EXPECT_EQ(flagos_hal_free(1, d), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
}

// ---- error mapping: an ACL error becomes a HAL status and "<API> failed with ACL error <code>: <message>" ----

struct ErrorCase {
  const char* api;
  int code;
  flagos_hal_status expected;
  std::function<flagos_hal_status()> call;
};

TEST_F(AscendHal, EveryAclErrorBecomesAStatusAndAMessage) {
  flagos_hal_stream s = nullptr;
  flagos_hal_event e = nullptr, e2 = nullptr;
  void* d = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(0, 0, &s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, 0, &e), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, 0, &e2), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_malloc(0, 64, &d), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(e, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(e2, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_stream_synchronize(s), FLAGOS_HAL_SUCCESS);
  unsigned char host[64] = {};
  void* out = nullptr;
  int n = 0;
  float ms = 0;
  size_t f = 0, t = 0;
  flagos_hal_device_properties props;

  const std::vector<ErrorCase> cases = {
      {"aclrtMalloc", ACL_ERROR_RT_MEMORY_ALLOCATION, FLAGOS_HAL_ERROR_OUT_OF_MEMORY,
       [&] { return flagos_hal_malloc(0, 64, &out); }},
      {"aclrtMalloc", ACL_ERROR_RT_DEVICE_OOM, FLAGOS_HAL_ERROR_OUT_OF_MEMORY, [&] { return flagos_hal_malloc(1, 64, &out); }},
      {"aclrtMallocHost", ACL_ERROR_BAD_ALLOC, FLAGOS_HAL_ERROR_OUT_OF_MEMORY, [&] { return flagos_hal_host_alloc(64, &out); }},
      {"aclrtSetDevice", ACL_ERROR_RT_INVALID_DEVICEID, FLAGOS_HAL_ERROR_INVALID_DEVICE, [&] { return flagos_hal_set_device(1); }},
      {"aclrtSetDevice", ACL_ERROR_RT_DEV_SETUP_ERROR, FLAGOS_HAL_ERROR_BACKEND,
       [&] { return flagos_hal_malloc(2, 64, &out); }},  // the switch to device 2 fails
      {"aclrtGetDevice", ACL_ERROR_RT_INTERNAL_ERROR, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_get_device(&n); }},
      {"aclrtGetDeviceCount", ACL_ERROR_RT_DEV_SETUP_ERROR, FLAGOS_HAL_ERROR_BACKEND,
       [&] { return flagos_hal_get_device_count(&n); }},
      {"aclrtMemcpy", ACL_ERROR_INVALID_PARAM, FLAGOS_HAL_ERROR_INVALID_VALUE,
       [&] { return flagos_hal_memcpy(d, host, 64, FLAGOS_HAL_HOST_TO_DEVICE); }},
      {"aclrtMemcpyAsync", ACL_ERROR_RT_INTERNAL_ERROR, FLAGOS_HAL_ERROR_BACKEND,
       [&] { return flagos_hal_memcpy_async(d, host, 64, FLAGOS_HAL_HOST_TO_DEVICE, s); }},
      {"aclrtFree", ACL_ERROR_RT_PARAM_INVALID, FLAGOS_HAL_ERROR_INVALID_VALUE, [&] { return flagos_hal_free(0, d); }},
      {"aclrtFreeHost", ACL_ERROR_INVALID_PARAM, FLAGOS_HAL_ERROR_INVALID_VALUE, [&] { return flagos_hal_host_free(host); }},
      {"aclrtCreateStream", ACL_ERROR_RT_NO_STREAM_RESOURCE, FLAGOS_HAL_ERROR_BACKEND,
       [&] { flagos_hal_stream x = nullptr; return flagos_hal_stream_create(0, 0, &x); }},
      {"aclrtDestroyStream", ACL_ERROR_RT_INTERNAL_ERROR, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_stream_destroy(s); }},
      {"aclrtSynchronizeStream", ACL_ERROR_RT_INTERNAL_ERROR, FLAGOS_HAL_ERROR_BACKEND,
       [&] { return flagos_hal_stream_synchronize(s); }},
      {"aclrtStreamQuery", ACL_ERROR_RT_INVALID_HANDLE, FLAGOS_HAL_ERROR_INVALID_VALUE, [&] { return flagos_hal_stream_query(s); }},
      {"aclrtStreamWaitEvent", ACL_ERROR_RT_INTERNAL_ERROR, FLAGOS_HAL_ERROR_BACKEND,
       [&] { return flagos_hal_stream_wait_event(s, e); }},
      {"aclrtCreateEventWithFlag", ACL_ERROR_RT_FEATURE_NOT_SUPPORT, FLAGOS_HAL_ERROR_NOT_SUPPORTED,
       [&] { flagos_hal_event x = nullptr; return flagos_hal_event_create(0, 0, &x); }},
      {"aclrtRecordEvent", ACL_ERROR_FEATURE_UNSUPPORTED, FLAGOS_HAL_ERROR_NOT_SUPPORTED, [&] { return flagos_hal_event_record(e, s); }},
      {"aclrtQueryEventStatus", ACL_ERROR_RT_INTERNAL_ERROR, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_event_query(e); }},
      {"aclrtSynchronizeEvent", ACL_ERROR_RT_INTERNAL_ERROR, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_event_synchronize(e); }},
      {"aclrtEventElapsedTime", ACL_ERROR_RT_EVENT_NOT_COMPLETE, FLAGOS_HAL_ERROR_NOT_READY,
       [&] { return flagos_hal_event_elapsed_ms(&ms, e, e2); }},
      {"aclrtDestroyEvent", ACL_ERROR_RT_INVALID_HANDLE, FLAGOS_HAL_ERROR_INVALID_VALUE, [&] { return flagos_hal_event_destroy(e); }},
      {"aclrtSynchronizeDevice", ACL_ERROR_RT_INTERNAL_ERROR, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_device_synchronize(1); }},
      {"aclrtGetMemInfo", ACL_ERROR_RT_PARAM_INVALID, FLAGOS_HAL_ERROR_INVALID_VALUE, [&] { return flagos_hal_mem_get_info(0, &f, &t); }},
      {"aclGetDeviceCapability", ACL_ERROR_INVALID_DEVICE, FLAGOS_HAL_ERROR_INVALID_DEVICE,
       [&] { return flagos_hal_get_device_properties(0, &props); }},
      {"aclrtMalloc", 123456, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_malloc(0, 64, &out); }},  // unknown code
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(std::string(c.api) + " / " + std::to_string(c.code));
    const std::string injected = std::string("injected failure of ") + c.api;
    synthetic_acl_fail_next(c.api, c.code, injected.c_str(), 1);
    EXPECT_EQ(c.call(), c.expected);
    const std::string expected_message = std::string(c.api) + " failed with ACL error " + std::to_string(c.code) + ": " + injected;
    EXPECT_TRUE(starts_with(last_error(), expected_message)) << "got: " << last_error();
    EXPECT_GE(synthetic_acl_call_count(c.api), 1);
    synthetic_acl_fail_next(c.api, 0, nullptr, 0);  // in case the HAL never made the call
  }

  // The failed free, destroys and the failed switch left everything usable.
  int device = -1;
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 0) << "failed device switches must leave the current device alone";
  EXPECT_EQ(flagos_hal_free(0, d), FLAGOS_HAL_SUCCESS) << "a failed aclrtFree must keep the allocation freeable";
  EXPECT_EQ(flagos_hal_event_destroy(e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_destroy(e2), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
}

TEST_F(AscendHal, EmptyAclMessage) {
  void* out = nullptr;
  synthetic_acl_fail_next("aclrtMalloc", ACL_ERROR_RT_MEMORY_ALLOCATION, "", 1);
  EXPECT_EQ(flagos_hal_malloc(0, 64, &out), FLAGOS_HAL_ERROR_OUT_OF_MEMORY);
  EXPECT_TRUE(starts_with(last_error(), "aclrtMalloc failed with ACL error 207001: (aclGetRecentErrMsg gave no detail)"))
      << last_error();
}

TEST_F(AscendHal, NoDeviceIsACountOfZero) {
  synthetic_acl_fail_next("aclrtGetDeviceCount", ACL_ERROR_RT_NO_DEVICE, "no NPU", 1);
  int count = -1;
  EXPECT_EQ(flagos_hal_get_device_count(&count), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(count, 0);
}

TEST_F(AscendHal, SocNameFailure) {
  synthetic_acl_fail_next("aclrtGetSocName", ACL_ERROR_RT_INTERNAL_ERROR, "injected: no SoC", 1);
  flagos_hal_device_properties props;
  EXPECT_EQ(flagos_hal_get_device_properties(0, &props), FLAGOS_HAL_ERROR_BACKEND);
  EXPECT_EQ(last_error(), "aclrtGetSocName returned NULL: injected: no SoC");
}

TEST_F(AscendHal, CheckHelperForPlatformCode) {
  EXPECT_EQ(flagos_ascend_check(ACL_SUCCESS, "aclnnAdd"), FLAGOS_HAL_SUCCESS);
  synthetic_acl_fail_next("aclrtMalloc", ACL_ERROR_RT_MEMORY_ALLOCATION, "pool exhausted", 1);
  void* p = nullptr;
  const aclError code = aclrtMalloc(&p, 64, ACL_MEM_MALLOC_HUGE_FIRST);  // as glue code would call ACL itself
  EXPECT_EQ(flagos_ascend_check(code, "aclrtMalloc"), FLAGOS_HAL_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(last_error(), "aclrtMalloc failed with ACL error 207001: pool exhausted");
}

// ---- aclInit (separate processes: ACL is initialised once per process) ------------------------

TEST(AscendInit, AclInitOnceFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<int> counts(8, -1);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([i, &counts] { (void)flagos_hal_get_device_count(&counts[static_cast<size_t>(i)]); });
  }
  for (auto& t : threads) t.join();
  for (int c : counts) EXPECT_EQ(c, 3);
  EXPECT_EQ(synthetic_acl_call_count("aclInit"), 1);
}

TEST(AscendInitFailure, AFailedAclInitFailsEveryCallWithItsMessage) {
  synthetic_acl_fail_next("aclInit", ACL_ERROR_RT_DEV_SETUP_ERROR, "injected: the driver is not loaded", 1);
  const std::string expected =
      "aclInit failed with ACL error 507033: injected: the driver is not loaded [flagos initialises AscendCL once per process]";
  int count = -1;
  EXPECT_EQ(flagos_hal_get_device_count(&count), FLAGOS_HAL_ERROR_BACKEND);
  EXPECT_EQ(last_error(), expected);
  // The fault is spent, yet every later call reports the same failure: ACL is unusable.
  void* p = nullptr;
  EXPECT_EQ(flagos_hal_malloc(0, 64, &p), FLAGOS_HAL_ERROR_BACKEND);
  EXPECT_EQ(last_error(), expected);
  EXPECT_EQ(flagos_hal_set_device(0), FLAGOS_HAL_ERROR_BACKEND);
  std::string other_thread;
  std::thread([&] {
    (void)flagos_hal_get_device(&count);
    other_thread = last_error();
  }).join();
  EXPECT_EQ(other_thread, expected);
  EXPECT_EQ(synthetic_acl_call_count("aclInit"), 1);
  EXPECT_EQ(synthetic_acl_call_count("aclrtMalloc"), 0);
}

TEST(AscendInitByOther, AnEarlierAclInitIsAccepted) {
  ASSERT_EQ(aclInit(nullptr), ACL_SUCCESS);  // another library got there first
  int count = -1;
  ASSERT_EQ(flagos_hal_get_device_count(&count), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(count, 3);
  EXPECT_EQ(synthetic_acl_call_count("aclInit"), 2) << "the HAL's own aclInit got ACL_ERROR_REPEAT_INITIALIZE";
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_malloc(0, 64, &p), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(flagos_hal_free(0, p), FLAGOS_HAL_SUCCESS);
}

}  // namespace
