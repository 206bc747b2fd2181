// Test-control API of the SYNTHETIC stand-in AscendCL (include/flagos_synthetic/acl_control.h):
// fault injection and the record of calls, for tests only.
#include <mutex>

#include "acl/acl.h"
#include "acl_stub_internal.h"
#include "flagos_synthetic/acl_control.h"

using flagos_synthetic::Call;
using flagos_synthetic::clear_calls_and_faults;
using flagos_synthetic::device_used;
using flagos_synthetic::recorded_call;
using flagos_synthetic::Stream;
using namespace flagos_synthetic::acl_stub;

extern "C" {

void synthetic_acl_fail_next(const char* api, int code, const char* message, int times) {
  rt().fail_next(api, code, message ? message : "", times);
}

int synthetic_acl_call_count(const char* api) { return rt().call_count(api); }

int synthetic_acl_get_call(const char* api, int index, synthetic_acl_call* out) {
  Call c;
  if (!out || !recorded_call(api, index, &c)) return 0;
  *out = synthetic_acl_call{c.device, c.stream, c.ptr, c.bytes, c.kind, c.flags};
  return 1;
}

void synthetic_acl_clear(void) { clear_calls_and_faults(); }

int synthetic_acl_pending(aclrtStream stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Stream* s = nullptr;
  if (!stream) {
    if (t_device < 0) return -1;
    s = rt().default_stream(t_device);
  } else {
    s = static_cast<Stream*>(stream);
    if (!rt().valid_stream(s)) return -1;
  }
  return static_cast<int>(s->pending.size());
}

size_t synthetic_acl_device_used(int device) { return device_used(device); }

}  // extern "C"
