// Shared by the ascend HAL tests (ascend_hal_*_test.cc): helpers and the AscendHal fixture. The
// tests run the ascend HAL (platforms/ascend/hal) through its C API, linked against the SYNTHETIC
// stand-in AscendCL of tests/synthetic_sdk (not Huawei's runtime; no NPU involved).
//
// What they check is flagos' own logic: which ACL call each HAL function makes, with which
// device current and on which stream (the stand-in records every call), that asynchronous work
// really is ordered by the HAL's streams and events (the stand-in runs stream work late), and how
// every ACL error becomes a HAL status and message (the stand-in fails any call on request).
//
// The sources form one library linked into four targets (BUILD.bazel), because ACL is
// initialised once per process:
//   ascend_hal_test              AscendHal.*            3 devices of 16 MiB
//   ascend_hal_init_test         AscendInit.*           aclInit once, from many threads
//   ascend_hal_init_failure_test AscendInitFailure.*    aclInit fails
//   ascend_hal_init_by_other_test AscendInitByOther.*   another library called aclInit first
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "flagos_synthetic/acl_control.h"
#include "platforms/ascend/hal/ascend_hal.h"
#include "runtime/hal/flagos_hal.h"

// A named namespace: every source's TEST_F(AscendHal, ...) must derive from the same fixture class.
namespace ascend_hal_test {

inline std::string last_error() { return flagos_hal_last_error(); }

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

inline synthetic_acl_call last_call(const char* api) {
  synthetic_acl_call call;
  std::memset(&call, 0, sizeof(call));
  call.device = -100;
  EXPECT_EQ(synthetic_acl_get_call(api, -1, &call), 1) << "no recorded call of " << api;
  return call;
}

inline std::vector<unsigned char> pattern(size_t n, unsigned seed) {
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

}  // namespace ascend_hal_test
