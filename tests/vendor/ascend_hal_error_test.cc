// Ascend HAL tests (see ascend_hal_test.h): how ACL errors become HAL statuses and messages.
#include "tests/vendor/ascend_hal_test.h"

#include <functional>
#include <string>
#include <vector>

namespace ascend_hal_test {
namespace {

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

}  // namespace
}  // namespace ascend_hal_test
