// Ascend HAL tests (see ascend_hal_test.h): device and pinned host memory, synchronous and
// asynchronous copies.
#include "tests/vendor/ascend_hal_test.h"

#include <cstring>
#include <string>
#include <vector>

namespace ascend_hal_test {
namespace {

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

}  // namespace
}  // namespace ascend_hal_test
