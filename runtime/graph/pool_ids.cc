#include <c10/util/Exception.h>

#include <atomic>

#include "runtime/graph/backend.h"

namespace flagos::graph {
namespace {
std::atomic<uint64_t> g_next_pool{1};  // shared by both kinds, so the two halves never collide
}

c10::MempoolId_t new_pool_handle() { return {0, g_next_pool.fetch_add(1)}; }
c10::MempoolId_t new_private_pool() { return {g_next_pool.fetch_add(1), 0}; }

CaptureMode parse_capture_mode(const std::string& mode) {
  if (mode == "default") return CaptureMode::Default;
  if (mode == "global") return CaptureMode::Global;
  if (mode == "thread_local") return CaptureMode::ThreadLocal;
  if (mode == "relaxed") return CaptureMode::Relaxed;
  TORCH_CHECK(false, "flagos: unknown capture_error_mode '", mode,
              "'; use one of 'default', 'global', 'thread_local', 'relaxed' (as torch.cuda.graph)");
}

}  // namespace flagos::graph
