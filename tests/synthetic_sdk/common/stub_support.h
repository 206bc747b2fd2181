// Helpers shared by the SYNTHETIC stand-in runtimes' entry points (cann/src/acl_stub_*.cc,
// maca/src/mc_stub.cc): logic both stubs had written out the same way. Each vendor keeps its own
// error codes, messages and current-device rules; only what is vendor-neutral lives here.
#pragma once

#include <cstddef>

#include "synthetic_device.h"

namespace flagos_synthetic {

// Call::device placeholder: the calling thread's current device, filled in by enter().
constexpr int kCurrentDevice = -2;

// A Call of `api` acting on the current device; the entry point adds its arguments.
Call call_of(const char* api);

// Every entry point's first step: records `call` (kCurrentDevice replaced by current_device) and,
// if a fault was injected for its API, consumes it into *fault and returns true.
bool enter(const Call& call, int current_device, Fault* fault);

// Where a copy's two buffers are: in device memory (inside a live allocation) or host memory.
struct CopySides {
  bool dst_device = false;
  bool src_device = false;
  bool operator==(const CopySides& other) const {
    return dst_device == other.dst_device && src_device == other.src_device;
  }
  bool operator!=(const CopySides& other) const { return !(*this == other); }
};
// Where [dst, dst + count) and [src, src + count) are; compare with the sides a copy kind names.
CopySides copy_sides(const void* dst, const void* src, size_t count);

// ---- test control (the {acl,mc}_control.h functions) ----
// The index-th recorded call of `api` (index < 0 counts from the end: -1 is the latest); false if
// there is none.
bool recorded_call(const char* api, int index, Call* out);
// Forgets recorded calls and pending faults (devices, memory and streams are kept).
void clear_calls_and_faults();
// Bytes allocated on `device` and not freed; 0 for a device that does not exist.
size_t device_used(int device);

}  // namespace flagos_synthetic
