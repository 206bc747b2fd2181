// Graphs from Python: torch.classes.flagos.Graph (behind torch.flagos.FlagosGraph), the pool
// handle and capture queries (torch.ops.flagos.*), and flagos' entry in PyTorch's graph registry
// (accelerator_graph.cc, behind torch.accelerator.Graph).
#include <torch/custom_class.h>
#include <torch/library.h>

#include <memory>
#include <string>
#include <tuple>

#include "runtime/core/device.h"
#include "runtime/core/streams.h"
#include "runtime/graph/backend.h"
#include "runtime/graph/capture.h"

namespace flagos::graph {
namespace {

struct GraphHolder : torch::CustomClassHolder {
  explicit GraphHolder(bool keep_graph) : impl(make_graph(keep_graph)) {}
  std::unique_ptr<GraphImpl> impl;
};

using Self = c10::intrusive_ptr<GraphHolder>;

std::tuple<int64_t, int64_t> pool_handle() {
  const c10::MempoolId_t id = new_pool_handle();
  return {static_cast<int64_t>(id.first), static_cast<int64_t>(id.second)};
}

bool is_current_stream_capturing() {
  if (!capturing()) return false;
  const c10::DeviceIndex device = current_device();
  return is_capturing(current_stream(device));
}

}  // namespace
}  // namespace flagos::graph

TORCH_LIBRARY_FRAGMENT(flagos, m) {
  using flagos::graph::GraphHolder;
  using flagos::graph::Self;
  m.class_<GraphHolder>("Graph")
      .def(torch::init<bool>())
      .def("capture_begin",
           [](const Self& self, int64_t pool_a, int64_t pool_b, std::string mode) {
             self->impl->capture_begin({static_cast<uint64_t>(pool_a), static_cast<uint64_t>(pool_b)},
                                       flagos::graph::parse_capture_mode(mode));
           })
      .def("capture_end", [](const Self& self) { self->impl->capture_end(); })
      .def("instantiate", [](const Self& self) { self->impl->instantiate(); })
      .def("replay", [](const Self& self) { self->impl->replay(); })
      .def("reset", [](const Self& self) { self->impl->reset(); })
      .def("pool",
           [](const Self& self) {
             const c10::MempoolId_t id = self->impl->pool();
             return std::tuple<int64_t, int64_t>(static_cast<int64_t>(id.first), static_cast<int64_t>(id.second));
           })
      .def("enable_debug_mode", [](const Self& self) { self->impl->enable_debug_mode(); })
      .def("debug_dump", [](const Self& self, std::string path) { self->impl->debug_dump(path); });
  m.def("graph_pool_handle() -> (int, int)", &flagos::graph::pool_handle);
  m.def("is_current_stream_capturing() -> bool", &flagos::graph::is_current_stream_capturing);
  m.def("_register_accelerator_graph() -> bool", &flagos::graph::register_accelerator_graph);
}
