// Graphs on the cuda platform: CUDA graphs, through PyTorch's own CUDAGraph. flagos streams are
// CUDA streams (streams.cc) and flagos memory is PyTorch's CUDA caching allocator's, so a
// capture on a flagos stream is a CUDA stream capture, its memory comes from a private pool of that
// allocator, and replays behave exactly as torch.cuda.graph's. flagos' generators wrap CUDA
// generators of their own (native.cc: make_engine); the device's default one is registered with
// the graph so that random operators under capture advance their philox offsets on each replay,
// as torch.cuda's default generator does.
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/util/Exception.h>

#include <memory>

#include "runtime/core/device.h"
#include "runtime/core/generator.h"
#include "runtime/core/streams.h"
#include "runtime/graph/backend.h"
#include "runtime/graph/capture.h"

namespace flagos::graph {
namespace {

cudaStreamCaptureMode cuda_mode(CaptureMode mode) {
  switch (mode) {
    case CaptureMode::ThreadLocal:
      return cudaStreamCaptureModeThreadLocal;
    case CaptureMode::Relaxed:
      return cudaStreamCaptureModeRelaxed;
    case CaptureMode::Global:
    case CaptureMode::Default:
      break;
  }
  return cudaStreamCaptureModeGlobal;  // torch.cuda.graph's default
}

class CudaGraph final : public GraphImpl {
 public:
  explicit CudaGraph(bool keep_graph) : graph_(std::make_unique<at::cuda::CUDAGraph>(keep_graph)) {}
  ~CudaGraph() override {
    if (capturing_) end_capture(stream_);
  }

  void capture_begin(c10::MempoolId_t pool, CaptureMode mode) override {
    const c10::DeviceIndex device = current_device();
    const c10::Stream stream = current_stream(device);
    const auto* flagos_gen = static_cast<const FlagosGenerator*>(default_generator(device).unsafeGetGeneratorImpl());
    graph_->register_generator_state(flagos_gen->engine());
    graph_->capture_begin(pool, cuda_mode(mode));
    // Listed in flagos' capture table too (without a recorder: CUDA records), so that
    // torch.flagos.is_current_stream_capturing() and flagos' own checks see the capture.
    begin_capture(stream, nullptr, mode);
    stream_ = stream;
    capturing_ = true;
  }

  void capture_end() override {
    if (capturing_) {
      end_capture(stream_);
      capturing_ = false;
    }
    graph_->capture_end();
  }

  void instantiate() override { graph_->instantiate(); }
  void replay() override { graph_->replay(); }
  void reset() override {
    if (capturing_) {
      end_capture(stream_);
      capturing_ = false;
    }
    graph_->reset();
  }
  c10::MempoolId_t pool() const override { return graph_->pool(); }
  void enable_debug_mode() override { graph_->enable_debug_mode(); }
  void debug_dump(const std::string& path) override { graph_->debug_dump(path); }

 private:
  std::unique_ptr<at::cuda::CUDAGraph> graph_;  // CUDAGraph::pool() is not const
  c10::Stream stream_{c10::Stream::DEFAULT, c10::Device(kDeviceType, 0)};
  bool capturing_ = false;
};

}  // namespace

std::unique_ptr<GraphImpl> make_graph(bool keep_graph) {
  return std::make_unique<CudaGraph>(keep_graph);
}

}  // namespace flagos::graph
