#include "runtime/graph/capture.h"

#include <c10/util/Exception.h>

#include <mutex>
#include <vector>

#include "runtime/core/device.h"
#include "runtime/core/streams.h"

namespace flagos::graph {
namespace detail {
std::atomic<int> g_captures{0};
}

namespace {

struct Capture {
  c10::Stream stream;
  Recorder* recorder;
  CaptureMode mode;
};

// The captures in progress (a handful at most), under one lock; read only while capturing().
struct Table {
  std::mutex mutex;
  std::vector<Capture> captures;
};

Table& table() {
  static auto* t = new Table();  // leaked: captures may end during static destruction
  return *t;
}

const char* mode_name(CaptureMode mode) {
  switch (mode) {
    case CaptureMode::Global:
      return "global";
    case CaptureMode::ThreadLocal:
      return "thread_local";
    case CaptureMode::Relaxed:
      return "relaxed";
    case CaptureMode::Default:
      break;
  }
  return "default";
}

}  // namespace

Recorder* recording_for(c10::DeviceIndex device) {
  const c10::Stream stream = current_stream(device);
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  for (const Capture& c : t.captures) {
    if (c.stream == stream) return c.recorder;
  }
  return nullptr;
}

bool is_capturing(const c10::Stream& stream) {
  if (!capturing()) return false;
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  for (const Capture& c : t.captures) {
    if (c.stream == stream) return true;
  }
  return false;
}

void begin_capture(const c10::Stream& stream, Recorder* recorder, CaptureMode mode) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  for (const Capture& c : t.captures) {
    TORCH_CHECK(c.stream != stream, "flagos: stream ", stream.id(), " of ", device_name(stream.device_index()),
                " is already being captured (", mode_name(c.mode),
                " mode); end that capture (capture_end()) before starting another on the same stream, or capture "
                "on another stream");
  }
  t.captures.push_back(Capture{stream, recorder, mode});
  detail::g_captures.fetch_add(1, std::memory_order_relaxed);
}

void end_capture(const c10::Stream& stream) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  for (size_t i = 0; i < t.captures.size(); ++i) {
    if (t.captures[i].stream == stream) {
      t.captures.erase(t.captures.begin() + static_cast<std::ptrdiff_t>(i));
      detail::g_captures.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
  }
}

void check_not_capturing(c10::DeviceIndex device, const char* what, const char* fix) {
  if (!capturing()) return;
  const c10::Stream stream = current_stream(device);
  TORCH_CHECK(!is_capturing(stream), "flagos: ", what, " is not allowed while stream ", stream.id(), " of ",
              device_name(device), " is being captured into a graph: ", fix);
}

}  // namespace flagos::graph
