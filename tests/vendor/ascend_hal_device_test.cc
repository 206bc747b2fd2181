// Ascend HAL tests (see ascend_hal_test.h): identity, device count, the current device, properties.
#include "tests/vendor/ascend_hal_test.h"

#include <string>
#include <thread>

namespace ascend_hal_test {
namespace {

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

}  // namespace
}  // namespace ascend_hal_test
