// The platform's graph implementation behind torch.flagos.FlagosGraph and torch.accelerator.Graph.
//
// Implemented once per platform and linked in by select() (//runtime/graph:backend): on cuda,
// CUDA graphs on flagos' streams (platforms/cuda/graph.cc); elsewhere flagos' own graph,
// recorded at the dispatcher level (recorded_graph.cc, recorder.h).
#pragma once

#include <c10/core/Allocator.h>

#include <cstdint>
#include <memory>
#include <string>

namespace flagos::graph {

// How a capture treats other work (torch.cuda.graph's capture_error_mode; torch >= 2.12 names the
// same values at::GraphCaptureMode).
enum class CaptureMode : int8_t { Default = 0, Global, ThreadLocal, Relaxed };

// One graph: capture, replay, reset (the methods of torch.cuda.CUDAGraph). Mirrors PyTorch's
// at::GraphImplInterface (torch >= 2.12), which accelerator_graph.cc adapts it to; defined here so
// that flagos builds against older torch (the cuda platform's) too.
class GraphImpl {
 public:
  virtual ~GraphImpl() = default;
  virtual void capture_begin(c10::MempoolId_t pool, CaptureMode mode) = 0;
  virtual void capture_end() = 0;
  virtual void instantiate() = 0;
  virtual void replay() = 0;
  virtual void reset() = 0;
  virtual c10::MempoolId_t pool() const = 0;
  virtual void enable_debug_mode() = 0;
  virtual void debug_dump(const std::string& path) = 0;
};

std::unique_ptr<GraphImpl> make_graph(bool keep_graph);

// Registers flagos' graphs with torch.accelerator.Graph (torch >= 2.12; false where torch has no
// such registry). Called once Python has named the PrivateUse1 backend (the registry's key).
bool register_accelerator_graph();

// A new pool id for graph_pool_handle(), {0, n}: graphs captured with it share their memory pool.
c10::MempoolId_t new_pool_handle();
// A graph's own pool id, {n, 0}, when capture_begin is given none.
c10::MempoolId_t new_private_pool();

// "default", "global", "thread_local", "relaxed" (torch.cuda.graph's capture_error_mode).
CaptureMode parse_capture_mode(const std::string& mode);

}  // namespace flagos::graph
