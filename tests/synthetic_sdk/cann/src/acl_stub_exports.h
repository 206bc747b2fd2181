// What the SYNTHETIC stand-in libascendcl.so exports to the stand-in aclnn libraries
// (aclnn_stub_*.cc, linked against it): not part of the AscendCL API, and not for tests (those use
// include/flagos_synthetic/acl_control.h). Together with the device model (synthetic_device.h,
// stub_support.h, whose symbols libascendcl.so exports as well), this lets libopapi.so record its
// calls, take injected faults, leave messages and issue work to streams exactly as the runtime's
// own entry points do, on the one Runtime the process has. Not Huawei's runtime.
#pragma once

#include "acl/acl.h"
#include "synthetic_device.h"

extern "C" {
// Leaves `message` (as given, NULL: "") for this thread's aclGetRecentErrMsg.
ACL_FUNC_VISIBILITY void synthetic_acl_set_error(const char* message);
}

namespace flagos_synthetic {
namespace acl_stub {

// The calling thread's current device; -1 until aclrtSetDevice.
ACL_FUNC_VISIBILITY int current_device();
// The stream that work issued by `api` goes to, with aclrtMemcpyAsync's rules: `handle` NULL is the
// current device's default stream, otherwise it must be a live stream, and it must belong to the
// current device. On failure, returns the ACL error code and leaves a message naming `api`.
// Call with the Runtime's mutex held.
ACL_FUNC_VISIBILITY aclError stream_for_work(const char* api, aclrtStream handle, Stream** out);

}  // namespace acl_stub
}  // namespace flagos_synthetic
