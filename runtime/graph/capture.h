// Graph capture state: the one hook the operator path calls, and the table of streams being
// captured.
//
// The generic kernel (runtime/dispatch/generic_kernel.cc) and flagos' own copy kernel ask
// `capturing()` on every call: one relaxed atomic load, false unless some graph is being captured
// anywhere in the process. Only when it is true do they ask `recording_for()` (a lock and a
// lookup) whether the current stream of the call's device is one being captured, and if so hand
// the call to that graph's recorder (record.h). A fast path that bypasses the boxed kernel must
// take the boxed path whenever `capturing()` is true, so that no call escapes a capture.
//
// Capture follows streams, as CUDA's does: a call is captured when the current stream of its
// device is the capture stream, whatever thread makes it (autograd's device threads run backward
// on the forward's stream, so a captured backward needs nothing special).
#pragma once

#include <c10/core/Stream.h>

#include "runtime/graph/backend.h"

#include <atomic>
#include <cstdint>

namespace flagos::graph {

class Recorder;

namespace detail {
extern std::atomic<int> g_captures;  // number of captures in progress, process-wide
}

// True while any graph is being captured in this process (cheap; see the header comment).
inline bool capturing() noexcept { return detail::g_captures.load(std::memory_order_relaxed) != 0; }

// The recorder capturing the current stream of `device` on this thread, or null.
Recorder* recording_for(c10::DeviceIndex device);

// Whether `stream` is being captured (by any graph).
bool is_capturing(const c10::Stream& stream);

// Registers / unregisters `recorder` as the capture of `stream`. begin_capture raises when the
// stream is already being captured.
void begin_capture(const c10::Stream& stream, Recorder* recorder, CaptureMode mode);
void end_capture(const c10::Stream& stream);

// Raises when the current stream of `device` is being captured: for operations a graph cannot
// contain (`what` names the operation, `fix` what to do instead).
void check_not_capturing(c10::DeviceIndex device, const char* what, const char* fix);

}  // namespace flagos::graph
