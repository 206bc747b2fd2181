// Ascend HAL tests (see ascend_hal_test.h): streams, events, and the ordering they give.
#include "tests/vendor/ascend_hal_test.h"

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace ascend_hal_test {
namespace {

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

}  // namespace
}  // namespace ascend_hal_test
