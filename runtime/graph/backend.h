// The platform's graph implementation behind torch.flagos.FlagosGraph and torch.accelerator.Graph.
//
// Implemented once per platform and linked in by select() (//runtime/graph:backend): on cuda,
// CUDA graphs on flagos' streams (runtime/hal/cuda/graph.cc); elsewhere flagos' own graph,
// recorded at the dispatcher level (recorded_graph.cc, recorder.h).
#pragma once

#include <ATen/core/GraphImplInterface.h>

#include <cstdint>
#include <memory>
#include <string>

namespace flagos::graph {

std::unique_ptr<at::GraphImplInterface> make_graph(const at::GraphImplArgs& args);

// A new pool id for graph_pool_handle(), {0, n}: graphs captured with it share their memory pool.
at::MempoolId_t new_pool_handle();
// A graph's own pool id, {n, 0}, when capture_begin is given none.
at::MempoolId_t new_private_pool();

// "default", "global", "thread_local", "relaxed" (torch.cuda.graph's capture_error_mode).
at::GraphCaptureMode parse_capture_mode(const std::string& mode);

}  // namespace flagos::graph
