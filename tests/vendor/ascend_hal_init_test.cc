// Ascend HAL tests (see ascend_hal_test.h): aclInit, one scenario per target (BUILD.bazel), as
// ACL is initialised once per process.
#include "tests/vendor/ascend_hal_test.h"

#include <string>
#include <thread>
#include <vector>

namespace ascend_hal_test {
namespace {

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
}  // namespace ascend_hal_test
