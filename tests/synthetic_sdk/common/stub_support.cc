// See stub_support.h. Part of the SYNTHETIC stand-in SDKs, not of flagos.
#include "stub_support.h"

#include <mutex>
#include <vector>

namespace flagos_synthetic {

Call call_of(const char* api) {
  Call c;
  c.api = api;
  c.device = kCurrentDevice;
  return c;
}

bool enter(const Call& call, int current_device, Fault* fault) {
  Runtime& rt = Runtime::get();
  Call recorded = call;
  if (recorded.device == kCurrentDevice) recorded.device = current_device;
  rt.record_call(recorded);
  return rt.take_fault(call.api, fault);
}

CopySides copy_sides(const void* dst, const void* src, size_t count) {
  const Runtime& rt = Runtime::get();
  CopySides sides;
  sides.dst_device = rt.device_of(dst, count) >= 0;
  sides.src_device = rt.device_of(src, count) >= 0;
  return sides;
}

bool recorded_call(const char* api, int index, Call* out) {
  const std::vector<Call> calls = Runtime::get().calls(api);
  const int n = static_cast<int>(calls.size());
  const int i = index < 0 ? n + index : index;
  if (i < 0 || i >= n || !out) return false;
  *out = calls[static_cast<size_t>(i)];
  return true;
}

void clear_calls_and_faults() {
  Runtime& rt = Runtime::get();
  std::lock_guard<std::recursive_mutex> lock(rt.mutex());
  rt.clear_calls();
  rt.clear_faults();
}

size_t device_used(int device) {
  Runtime& rt = Runtime::get();
  std::lock_guard<std::recursive_mutex> lock(rt.mutex());
  return rt.valid_device(device) ? rt.used(device) : 0;
}

}  // namespace flagos_synthetic
