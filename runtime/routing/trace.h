// Records which provider served each operator call on flagos tensors (flagos.trace()).
//
// Calls are aggregated by (operator, provider, argument signature): a long training run stays a
// table of a few hundred rows, and the signatures are what `python -m flagos check` replays.
// Disabled, the cost per call is one relaxed atomic load.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace flagos::routing {

extern std::atomic<int> trace_mode;  // 0 off, 1 counting, 2 counting and timing

inline bool tracing() { return trace_mode.load(std::memory_order_relaxed) != 0; }

void set_trace_mode(int64_t mode);

// One row per (operator, provider, signature): calls and total nanoseconds (0 unless timed).
using TraceRow = std::tuple<std::string, std::string, std::string, int64_t, int64_t>;
std::vector<TraceRow> take_trace();

// The JSON signature of a call's arguments: tensors as {"dtype": .., "shape": [..]}, lists of
// them as arrays, scalars as JSON values, anything else as a string.
std::string signature(const c10::FunctionSchema& schema, const c10::IValue* args);

// Measures one call (when timing, after synchronising the device so the time is the kernel's)
// and records it on destruction.
class TraceCall {
 public:
  TraceCall(const c10::OperatorHandle& op, uint16_t provider, c10::DeviceIndex device, const c10::IValue* args);
  ~TraceCall();
  TraceCall(const TraceCall&) = delete;
  TraceCall& operator=(const TraceCall&) = delete;

 private:
  const c10::OperatorHandle& op_;
  uint16_t provider_;
  c10::DeviceIndex device_;
  std::string signature_;
  bool timed_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace flagos::routing
