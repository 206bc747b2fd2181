// The metax HAL (platforms/metax/hal) through its C API, linked against the SYNTHETIC stand-in MACA
// runtime of tests/synthetic_sdk (not MetaX's runtime; no GPU involved), plus device code built
// by mxcc_library (//tools/maca) with the stand-in mxcc and run as host emulation.
//
// What this checks is flagos' own logic: which mc* call each HAL function makes, with which device
// current and on which stream, that asynchronous work (copies and kernels) is ordered by the HAL's
// streams and events (the stand-in runs stream work late), and how every MACA error becomes a HAL
// status and message. Target metax_hal_test: 3 devices of 16 MiB.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "flagos_synthetic/mc_control.h"
#include "runtime/hal/flagos_hal.h"
#include "platforms/metax/hal/metax_hal.h"
#include "tests/vendor/kernels/kernels.h"

namespace {

std::string last_error() { return flagos_hal_last_error(); }

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

synthetic_mc_call last_call(const char* api) {
  synthetic_mc_call call;
  std::memset(&call, 0, sizeof(call));
  call.device = -100;
  EXPECT_EQ(synthetic_mc_get_call(api, -1, &call), 1) << "no recorded call of " << api;
  return call;
}

std::vector<unsigned char> pattern(size_t n, unsigned seed) {
  std::vector<unsigned char> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<unsigned char>((i * 29 + seed * 11 + 3) & 0xff);
  return v;
}

class MetaxHal : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_STREQ(std::getenv("FLAGOS_SYNTHETIC_DEVICE_COUNT"), "3") << "run through the metax_hal_test target";
    ASSERT_EQ(flagos_hal_set_device(0), FLAGOS_HAL_SUCCESS) << last_error();
    synthetic_mc_clear();
  }
  void TearDown() override { EXPECT_EQ(mcGetLastError(), mcSuccess) << "the HAL left a sticky MACA error behind"; }
};

// ---- identity and devices -----------------------------------------------------------------------

TEST_F(MetaxHal, Identity) {
  EXPECT_STREQ(flagos_hal_platform(), "metax");
  EXPECT_STREQ(flagos_hal_status_name(FLAGOS_HAL_ERROR_NOT_READY), "not ready");
  EXPECT_NE(std::string(flagos_hal_device_count_source()).find("MACA_VISIBLE_DEVICES"), std::string::npos);
}

TEST_F(MetaxHal, DeviceCountAndPerThreadDevice) {
  int count = -1;
  ASSERT_EQ(flagos_hal_get_device_count(&count), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(count, 3);
  ASSERT_EQ(flagos_hal_set_device(2), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("mcSetDevice").device, 2);
  int device = -1, other = -1;
  std::thread([&] { (void)flagos_hal_get_device(&other); }).join();
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 2);
  EXPECT_EQ(other, 0) << "a new thread starts on device 0";
}

TEST_F(MetaxHal, InvalidDeviceIsRefusedBeforeTheRuntime) {
  EXPECT_EQ(flagos_hal_set_device(3), FLAGOS_HAL_ERROR_INVALID_DEVICE);
  EXPECT_NE(last_error().find("device 3 does not exist"), std::string::npos) << last_error();
  EXPECT_NE(last_error().find("3 GPU(s)"), std::string::npos) << last_error();
  void* p = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(flagos_hal_malloc(-1, 8, &p), FLAGOS_HAL_ERROR_INVALID_DEVICE);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(synthetic_mc_call_count("mcSetDevice"), 0);
  EXPECT_EQ(synthetic_mc_call_count("mcMalloc"), 0);
}

TEST_F(MetaxHal, Properties) {
  flagos_hal_device_properties props;
  ASSERT_EQ(flagos_hal_get_device_properties(2, &props), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_NE(std::string(props.name).find("SyntheticMetaX"), std::string::npos) << props.name;
  EXPECT_EQ(props.total_memory, uint64_t{16} << 20);
  EXPECT_EQ(props.major, 10);
  EXPECT_EQ(props.multi_processor_count, 104);
  EXPECT_EQ(last_call("mcGetDeviceProperties").device, 2);
}

// ---- memory -----------------------------------------------------------------------------------

TEST_F(MetaxHal, MallocRunsOnItsDeviceAndFreeValidates) {
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_malloc(1, 777, &p), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(last_call("mcMalloc").device, 1);
  EXPECT_EQ(synthetic_mc_device_used(1), 777u);
  int device = -1;
  ASSERT_EQ(mcGetDevice(&device), mcSuccess);
  EXPECT_EQ(device, 0) << "the HAL did not switch back after allocating on device 1";
  EXPECT_EQ(flagos_hal_free(2, p), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("belongs to device 1"), std::string::npos);
  EXPECT_EQ(synthetic_mc_call_count("mcFree"), 0);
  ASSERT_EQ(flagos_hal_free(1, p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_free(1, p), FLAGOS_HAL_ERROR_INVALID_VALUE) << "double free";
  EXPECT_EQ(synthetic_mc_call_count("mcFree"), 1);
  EXPECT_EQ(synthetic_mc_device_used(1), 0u);
}

TEST_F(MetaxHal, OutOfMemoryNamesTheRuntimeCall) {
  void* p = nullptr;
  EXPECT_EQ(flagos_hal_malloc(2, size_t{20} << 20, &p), FLAGOS_HAL_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(last_error(),
            "mcMalloc failed with MACA error 2 (mcErrorMemoryAllocation): out of memory (synthetic MACA runtime) "
            "[device 2, 20971520 bytes]");
}

TEST_F(MetaxHal, MemGetInfoAsksTheRightDevice) {
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_malloc(2, 1024, &p), FLAGOS_HAL_SUCCESS);
  size_t free2 = 0, total2 = 0, free0 = 0, total0 = 0;
  ASSERT_EQ(flagos_hal_mem_get_info(2, &free2, &total2), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("mcMemGetInfo").device, 2);
  ASSERT_EQ(flagos_hal_mem_get_info(0, &free0, &total0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(free2, total2 - 1024);
  EXPECT_EQ(free0, total0);
  ASSERT_EQ(flagos_hal_free(2, p), FLAGOS_HAL_SUCCESS);
}

TEST_F(MetaxHal, PinnedHostMemory) {
  void* p = nullptr;
  ASSERT_EQ(flagos_hal_host_alloc(100, &p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("mcMallocHost").bytes, 100u);
  ASSERT_EQ(flagos_hal_host_free(p), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("mcFreeHost").ptr, p);
}

// ---- copies, streams, events ---------------------------------------------------------------------

TEST_F(MetaxHal, CopiesUseTheRightKindsAndStreams) {
  const size_t n = 10000;
  const auto src = pattern(n, 1);
  void* d0 = nullptr;
  void* d1 = nullptr;
  ASSERT_EQ(flagos_hal_malloc(0, n, &d0), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_malloc(1, n, &d1), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_memcpy(d0, src.data(), n, FLAGOS_HAL_HOST_TO_DEVICE), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_EQ(last_call("mcMemcpy").kind, mcMemcpyHostToDevice);

  flagos_hal_stream s = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(1, 0, &s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_memcpy_async(d1, d0, n, FLAGOS_HAL_DEVICE_TO_DEVICE, s), FLAGOS_HAL_SUCCESS) << last_error();
  synthetic_mc_call copy = last_call("mcMemcpyAsync");
  EXPECT_EQ(copy.stream, flagos_metax_mc_stream(s));
  EXPECT_EQ(copy.kind, mcMemcpyDeviceToDevice);
  EXPECT_EQ(copy.device, 1) << "stream work must be issued with the stream's device current";
  std::vector<unsigned char> out(n, 0);
  ASSERT_EQ(flagos_hal_memcpy_async(out.data(), d1, n, FLAGOS_HAL_DEVICE_TO_HOST, s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("mcMemcpyAsync").kind, mcMemcpyDeviceToHost);
  EXPECT_EQ(synthetic_mc_pending(flagos_metax_mc_stream(s)), 2);
  EXPECT_NE(out, src) << "asynchronous copies completed before their stream ran";
  EXPECT_EQ(flagos_hal_stream_query(s), FLAGOS_HAL_ERROR_NOT_READY);
  ASSERT_EQ(flagos_hal_stream_synchronize(s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(out, src);
  EXPECT_EQ(flagos_hal_stream_query(s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_free(0, d0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_free(1, d1), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("mcStreamDestroy").device, 1);
}

TEST_F(MetaxHal, StreamPrioritiesComeFromTheRuntime) {
  int least = 99, greatest = 99;
  ASSERT_EQ(flagos_hal_stream_priority_range(&least, &greatest), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(least, 0);
  EXPECT_EQ(greatest, -3);
  for (int requested : {0, -2, -10, 5}) {
    SCOPED_TRACE(requested);
    flagos_hal_stream s = nullptr;
    ASSERT_EQ(flagos_hal_stream_create(2, requested, &s), FLAGOS_HAL_SUCCESS) << last_error();
    const synthetic_mc_call c = last_call("mcStreamCreateWithPriority");
    EXPECT_EQ(c.device, 2);
    EXPECT_EQ(c.flags, static_cast<unsigned>(mcStreamNonBlocking));
    EXPECT_EQ(c.value, requested < -3 ? -3 : (requested > 0 ? 0 : requested)) << "priority not clamped into the range";
    EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
  }
}

TEST_F(MetaxHal, EventFlagsTimingAndOrdering) {
  flagos_hal_event timed = nullptr, untimed = nullptr, blocking = nullptr;
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DEFAULT, &timed), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("mcEventCreateWithFlags").flags, static_cast<unsigned>(mcEventDefault));
  ASSERT_EQ(flagos_hal_event_create(0, FLAGOS_HAL_EVENT_DISABLE_TIMING, &untimed), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("mcEventCreateWithFlags").flags, static_cast<unsigned>(mcEventDisableTiming));
  ASSERT_EQ(flagos_hal_event_create(1, FLAGOS_HAL_EVENT_BLOCKING_SYNC, &blocking), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("mcEventCreateWithFlags").flags, static_cast<unsigned>(mcEventBlockingSync));
  EXPECT_EQ(last_call("mcEventCreateWithFlags").device, 1);

  flagos_hal_stream s = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(0, 0, &s), FLAGOS_HAL_SUCCESS);
  flagos_hal_event end = nullptr;
  ASSERT_EQ(flagos_hal_event_create(0, 0, &end), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(timed, s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(last_call("mcEventRecord").stream, flagos_metax_mc_stream(s));
  ASSERT_EQ(flagos_hal_event_synchronize(timed), FLAGOS_HAL_SUCCESS);
  std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_EQ(flagos_hal_event_record(end, s), FLAGOS_HAL_SUCCESS);
  float ms = 0;
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, timed, end), FLAGOS_HAL_ERROR_NOT_READY);
  EXPECT_TRUE(starts_with(last_error(), "mcEventElapsedTime failed with MACA error 600 (mcErrorNotReady): ")) << last_error();
  EXPECT_EQ(flagos_hal_event_query(end), FLAGOS_HAL_ERROR_NOT_READY);
  ASSERT_EQ(flagos_hal_event_synchronize(end), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_query(end), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_elapsed_ms(&ms, timed, end), FLAGOS_HAL_SUCCESS) << last_error();
  EXPECT_GE(ms, 20.0f);
  EXPECT_EQ(flagos_hal_event_elapsed_ms(&ms, timed, untimed), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_NE(last_error().find("timing"), std::string::npos);

  // Ordering: s2 copies what s1 wrote only because it waits on s1's event.
  const size_t n = 4096;
  const auto src = pattern(n, 2);
  flagos_hal_stream s2 = nullptr;
  void* a = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(0, 0, &s2), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_malloc(0, n, &a), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_memcpy_async(a, src.data(), n, FLAGOS_HAL_HOST_TO_DEVICE, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(untimed, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_stream_wait_event(s2, untimed), FLAGOS_HAL_SUCCESS);
  const synthetic_mc_call w = last_call("mcStreamWaitEvent");
  EXPECT_EQ(w.stream, flagos_metax_mc_stream(s2));
  EXPECT_EQ(w.ptr, flagos_metax_mc_event(untimed));
  std::vector<unsigned char> out(n, 0);
  ASSERT_EQ(flagos_hal_memcpy_async(out.data(), a, n, FLAGOS_HAL_DEVICE_TO_HOST, s2), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_stream_synchronize(s2), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(out, src);

  EXPECT_EQ(flagos_hal_free(0, a), FLAGOS_HAL_SUCCESS);
  for (flagos_hal_event e : {timed, untimed, blocking, end}) EXPECT_EQ(flagos_hal_event_destroy(e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s2), FLAGOS_HAL_SUCCESS);
}

TEST_F(MetaxHal, RecordChecksDevices) {
  flagos_hal_stream s1 = nullptr;
  flagos_hal_event e0 = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(1, 0, &s1), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_create(0, 0, &e0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_record(e0, s1), FLAGOS_HAL_ERROR_INVALID_VALUE);
  EXPECT_EQ(synthetic_mc_call_count("mcEventRecord"), 0);
  ASSERT_EQ(flagos_hal_set_device(2), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_event_record(e0, nullptr), FLAGOS_HAL_SUCCESS) << "NULL: the event's device's default stream";
  EXPECT_EQ(last_call("mcEventRecord").device, 0);
  EXPECT_EQ(flagos_hal_event_synchronize(e0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_destroy(e0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s1), FLAGOS_HAL_SUCCESS);
}

// ---- device code from mxcc_library, on the HAL's streams -----------------------------------------

TEST_F(MetaxHal, KernelsRunInStreamOrder) {
  const int n = 1000;
  std::vector<float> x(n), y(n), expected(n);
  for (int i = 0; i < n; ++i) {
    x[static_cast<size_t>(i)] = static_cast<float>(i);
    y[static_cast<size_t>(i)] = 1.0f;
    expected[static_cast<size_t>(i)] = (2.0f * static_cast<float>(i) + 1.0f) * 0.5f;
  }
  const size_t bytes = n * sizeof(float);
  ASSERT_EQ(flagos_hal_set_device(1), FLAGOS_HAL_SUCCESS);  // kernels launch on the current device
  flagos_hal_stream s = nullptr;
  void* dx = nullptr;
  void* dy = nullptr;
  ASSERT_EQ(flagos_hal_stream_create(1, 0, &s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_malloc(1, bytes, &dx), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_malloc(1, bytes, &dy), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_memcpy_async(dx, x.data(), bytes, FLAGOS_HAL_HOST_TO_DEVICE, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_memcpy_async(dy, y.data(), bytes, FLAGOS_HAL_HOST_TO_DEVICE, s), FLAGOS_HAL_SUCCESS);
  mcStream_t native = flagos_metax_mc_stream(s);
  ASSERT_EQ(flagos_test_axpy(n, 2.0f, static_cast<const float*>(dx), static_cast<float*>(dy), native), mcSuccess);
  const synthetic_mc_call launch = last_call("mcLaunchKernel");
  EXPECT_STREQ(launch.detail, "axpy_kernel");
  EXPECT_EQ(launch.stream, native);
  EXPECT_EQ(launch.bytes, 1024u) << "8 blocks of 128 threads";
  ASSERT_EQ(flagos_test_scale(n, 0.5f, static_cast<float*>(dy), native), mcSuccess);  // the .cu source
  EXPECT_STREQ(last_call("mcLaunchKernel").detail, "scale_kernel");
  std::vector<float> out(n, -1.0f);
  ASSERT_EQ(flagos_hal_memcpy_async(out.data(), dy, bytes, FLAGOS_HAL_DEVICE_TO_HOST, s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(synthetic_mc_pending(native), 5) << "2 copies in, 2 kernels, 1 copy out";
  EXPECT_EQ(out[10], -1.0f) << "kernels ran before their stream";
  ASSERT_EQ(flagos_hal_stream_synchronize(s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(out, expected);

  ASSERT_EQ(flagos_test_fill(n, 3.5f, static_cast<float*>(dy), native), mcSuccess);
  EXPECT_STREQ(last_call("mcLaunchKernel").detail, "fill_kernel<float>");
  ASSERT_EQ(flagos_hal_memcpy_async(out.data(), dy, bytes, FLAGOS_HAL_DEVICE_TO_HOST, s), FLAGOS_HAL_SUCCESS);
  ASSERT_EQ(flagos_hal_stream_synchronize(s), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(out, std::vector<float>(n, 3.5f));

  // A failed launch surfaces through the kernel's status and the HAL's error mapping.
  synthetic_mc_fail_next("mcLaunchKernel", mcErrorNotSupported, 1);
  const mcError_t failed = flagos_test_axpy(n, 1.0f, static_cast<const float*>(dx), static_cast<float*>(dy), native);
  EXPECT_EQ(flagos_metax_check(failed, "axpy_kernel launch"), FLAGOS_HAL_ERROR_NOT_SUPPORTED);
  EXPECT_TRUE(starts_with(last_error(), "axpy_kernel launch failed with MACA error 801 (mcErrorNotSupported): "))
      << last_error();
  // Launching onto a stream of another device than the current one is the runtime's error.
  ASSERT_EQ(flagos_hal_set_device(0), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_test_axpy(n, 1.0f, static_cast<const float*>(dx), static_cast<float*>(dy), native),
            mcErrorInvalidResourceHandle);

  EXPECT_EQ(flagos_hal_free(1, dx), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_free(1, dy), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
}

// ---- error mapping ------------------------------------------------------------------------------

struct ErrorCase {
  const char* api;
  mcError_t code;
  flagos_hal_status expected;
  std::function<flagos_hal_status()> call;
};

TEST_F(MetaxHal, EveryMacaErrorBecomesAStatusAndAMessage) {
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
      {"mcMalloc", mcErrorMemoryAllocation, FLAGOS_HAL_ERROR_OUT_OF_MEMORY, [&] { return flagos_hal_malloc(0, 64, &out); }},
      {"mcMallocHost", mcErrorMemoryAllocation, FLAGOS_HAL_ERROR_OUT_OF_MEMORY, [&] { return flagos_hal_host_alloc(64, &out); }},
      {"mcSetDevice", mcErrorInvalidDevice, FLAGOS_HAL_ERROR_INVALID_DEVICE, [&] { return flagos_hal_set_device(1); }},
      {"mcSetDevice", mcErrorUnknown, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_malloc(2, 64, &out); }},
      {"mcGetDevice", mcErrorInitializationError, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_get_device(&n); }},
      {"mcGetDeviceCount", mcErrorInitializationError, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_get_device_count(&n); }},
      {"mcGetDeviceProperties", mcErrorInvalidValue, FLAGOS_HAL_ERROR_INVALID_VALUE,
       [&] { return flagos_hal_get_device_properties(0, &props); }},
      {"mcMemGetInfo", mcErrorUnknown, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_mem_get_info(1, &f, &t); }},
      {"mcMemcpy", mcErrorInvalidValue, FLAGOS_HAL_ERROR_INVALID_VALUE,
       [&] { return flagos_hal_memcpy(d, host, 64, FLAGOS_HAL_HOST_TO_DEVICE); }},
      {"mcMemcpyAsync", mcErrorUnknown, FLAGOS_HAL_ERROR_BACKEND,
       [&] { return flagos_hal_memcpy_async(d, host, 64, FLAGOS_HAL_HOST_TO_DEVICE, s); }},
      {"mcFree", mcErrorInvalidValue, FLAGOS_HAL_ERROR_INVALID_VALUE, [&] { return flagos_hal_free(0, d); }},
      {"mcFreeHost", mcErrorInvalidValue, FLAGOS_HAL_ERROR_INVALID_VALUE, [&] { return flagos_hal_host_free(host); }},
      {"mcDeviceGetStreamPriorityRange", mcErrorUnknown, FLAGOS_HAL_ERROR_BACKEND,
       [&] { int a = 0, b = 0; return flagos_hal_stream_priority_range(&a, &b); }},
      {"mcStreamCreateWithPriority", mcErrorNotSupported, FLAGOS_HAL_ERROR_NOT_SUPPORTED,
       [&] { flagos_hal_stream x = nullptr; return flagos_hal_stream_create(0, 0, &x); }},
      {"mcStreamDestroy", mcErrorInvalidResourceHandle, FLAGOS_HAL_ERROR_INVALID_VALUE, [&] { return flagos_hal_stream_destroy(s); }},
      {"mcStreamSynchronize", mcErrorUnknown, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_stream_synchronize(s); }},
      {"mcStreamQuery", mcErrorUnknown, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_stream_query(s); }},
      {"mcStreamWaitEvent", mcErrorInvalidResourceHandle, FLAGOS_HAL_ERROR_INVALID_VALUE,
       [&] { return flagos_hal_stream_wait_event(s, e); }},
      {"mcEventCreateWithFlags", mcErrorMemoryAllocation, FLAGOS_HAL_ERROR_OUT_OF_MEMORY,
       [&] { flagos_hal_event x = nullptr; return flagos_hal_event_create(0, 0, &x); }},
      {"mcEventRecord", mcErrorUnknown, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_event_record(e, s); }},
      {"mcEventQuery", mcErrorUnknown, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_event_query(e); }},
      {"mcEventSynchronize", mcErrorUnknown, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_event_synchronize(e); }},
      {"mcEventElapsedTime", mcErrorNotReady, FLAGOS_HAL_ERROR_NOT_READY, [&] { return flagos_hal_event_elapsed_ms(&ms, e, e2); }},
      {"mcEventDestroy", mcErrorInvalidResourceHandle, FLAGOS_HAL_ERROR_INVALID_VALUE, [&] { return flagos_hal_event_destroy(e); }},
      {"mcDeviceSynchronize", mcErrorUnknown, FLAGOS_HAL_ERROR_BACKEND, [&] { return flagos_hal_device_synchronize(2); }},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(std::string(c.api) + " / " + mcGetErrorName(c.code));
    synthetic_mc_fail_next(c.api, c.code, 1);
    EXPECT_EQ(c.call(), c.expected);
    const std::string expected_message = std::string(c.api) + " failed with MACA error " +
                                         std::to_string(static_cast<int>(c.code)) + " (" + mcGetErrorName(c.code) +
                                         "): " + mcGetErrorString(c.code);
    EXPECT_TRUE(starts_with(last_error(), expected_message)) << "got: " << last_error();
    EXPECT_EQ(mcGetLastError(), mcSuccess) << "the HAL left the runtime's sticky error set";
    synthetic_mc_fail_next(c.api, mcSuccess, 0);
  }
  int device = -1;
  ASSERT_EQ(flagos_hal_get_device(&device), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(device, 0);
  EXPECT_EQ(flagos_hal_free(0, d), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_destroy(e), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_event_destroy(e2), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(flagos_hal_stream_destroy(s), FLAGOS_HAL_SUCCESS);
}

TEST_F(MetaxHal, NoDeviceIsACountOfZero) {
  synthetic_mc_fail_next("mcGetDeviceCount", mcErrorNoDevice, 1);
  int count = -1;
  EXPECT_EQ(flagos_hal_get_device_count(&count), FLAGOS_HAL_SUCCESS);
  EXPECT_EQ(count, 0);
}

}  // namespace
