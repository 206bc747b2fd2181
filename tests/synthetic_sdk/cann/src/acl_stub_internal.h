// Shared state and helpers of the SYNTHETIC stand-in AscendCL (acl_stub_*.cc), internal to
// libascendcl.so. Not Huawei's runtime; see acl_stub_device.cc for the behaviour modelled.
#pragma once

#include <string>

#include "acl/acl.h"
#include "stub_support.h"
#include "synthetic_device.h"

#pragma GCC visibility push(hidden)  // not part of the library's API

namespace flagos_synthetic {
namespace acl_stub {

extern thread_local int t_device;         // the thread's current device; -1 until aclrtSetDevice
extern thread_local std::string t_error;  // what aclGetRecentErrMsg returns
extern bool g_initialized;                // between aclInit and aclFinalize

inline Runtime& rt() { return Runtime::get(); }

// Leaves "synthetic ACL: <message>" for aclGetRecentErrMsg and returns `code`.
aclError fail(aclError code, std::string message);
// Records the call, then applies an injected fault and the initialisation check.
aclError begin(const Call& call);
// ACL_ERROR_RT_CONTEXT_NULL unless the thread has set a device.
aclError need_device(const char* api);
// The stream a handle names: NULL is the current device's default stream.
aclError resolve_stream(const char* api, aclrtStream handle, Stream** out);
// Work may be issued to a stream only from its own device.
aclError check_stream_device(const char* api, const Stream* s);

}  // namespace acl_stub
}  // namespace flagos_synthetic

#pragma GCC visibility pop
