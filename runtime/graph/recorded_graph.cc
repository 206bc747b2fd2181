// flagos' own graph (recorder.h) as the platform's graph implementation, with its memory from a
// private pool of flagos' caching allocator. For platforms without a native graph API.
#include <c10/core/DeviceGuard.h>
#include <c10/util/Exception.h>

#include <fstream>
#include <memory>

#include "runtime/core/caching_allocator.h"
#include "runtime/core/device.h"
#include "runtime/core/streams.h"
#include "runtime/graph/backend.h"
#include "runtime/graph/capture.h"
#include "runtime/graph/recorder.h"

namespace flagos::graph {
namespace {

uint64_t pool_key(c10::MempoolId_t id) { return id.first + id.second; }  // one half is 0 (backend.h)

class RecordedGraph final : public GraphImpl {
 public:
  RecordedGraph() = default;
  ~RecordedGraph() override {
    try {
      reset();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
  }

  void capture_begin(c10::MempoolId_t pool, CaptureMode mode) override {
    TORCH_CHECK(!capturing_ && !recorder_,
                "flagos: this graph already holds a capture; call reset() before capturing into it again");
    const c10::DeviceIndex device = current_device();
    const c10::Stream stream = current_stream(device);
    TORCH_CHECK(stream.id() != default_stream(device).id(),
                "flagos: graphs cannot be captured on the default stream (as with CUDA graphs); capture on a side "
                "stream: `with torch.flagos.graph(g):` uses one, or `with torch.flagos.stream(torch.flagos.Stream()):`"
                " around capture_begin()/capture_end(). Replay may run on any stream.");
    pool_ = (pool.first == 0 && pool.second == 0) ? new_private_pool() : pool;
    caching_allocator().retain_pool(pool_key(pool_));
    auto recorder = std::make_unique<Recorder>(pool_key(pool_));
    try {
      begin_capture(stream, recorder.get(), mode);
    } catch (...) {
      caching_allocator().release_pool(pool_key(pool_));
      pool_ = {0, 0};
      throw;
    }
    caching_allocator().begin_allocate_to_pool(device, stream.id(), pool_key(pool_));
    recorder_ = std::move(recorder);
    device_ = device;
    stream_ = stream;
    capturing_ = true;
  }

  void capture_end() override {
    TORCH_CHECK(capturing_, "flagos: capture_end() without a capture in progress (call capture_begin() first)");
    const c10::Stream now = current_stream(device_);
    TORCH_CHECK(now == stream_, "flagos: capture_end() must run on the stream the capture began on (stream ",
                stream_.id(), " of ", device_name(device_), "), but the current stream is ", now.id());
    stop();
    recorder_->restore();
    if (recorder_->size() == 0 && recorder_->failure().empty()) {
      TORCH_WARN("flagos: the captured graph is empty: no flagos operation ran on stream ", stream_.id(), " of ",
                 device_name(device_), " during the capture");
    }
  }

  // The recorded calls are already the executable form.
  void instantiate() override {
    TORCH_CHECK(recorder_ && !capturing_, "flagos: instantiate() needs a finished capture (capture_end() first)");
  }

  void replay() override {
    TORCH_CHECK(recorder_ && !capturing_, "flagos: replay() needs a finished capture (capture_begin() ... "
                                          "capture_end() first)");
    const c10::DeviceGuard guard(c10::Device(kDeviceType, device_));
    recorder_->replay();
  }

  void reset() override {
    if (capturing_) stop();
    recorder_.reset();  // drops the recorded tensors: the pool's memory returns once nobody else holds it
    if (pool_.first != 0 || pool_.second != 0) caching_allocator().release_pool(pool_key(pool_));
    pool_ = {0, 0};
  }

  c10::MempoolId_t pool() const override {
    TORCH_CHECK(pool_.first != 0 || pool_.second != 0,
                "flagos: this graph has no memory pool yet; pool() is known once capture_begin() ran");
    return pool_;
  }

  void enable_debug_mode() override { debug_ = true; }

  void debug_dump(const std::string& path) override {
    TORCH_CHECK(debug_, "flagos: debug_dump() needs enable_debug_mode() first");
    TORCH_CHECK(recorder_, "flagos: debug_dump() needs a capture; this graph holds none");
    std::ofstream out(path);
    TORCH_CHECK(out, "flagos: debug_dump() cannot write '", path, "'");
    out << "# memory pool (" << pool_.first << ", " << pool_.second << "): "
        << caching_allocator().pool_allocated_bytes(pool_key(pool_)) << " bytes allocated\n"
        << recorder_->dump();
  }

 private:
  void stop() {
    end_capture(stream_);
    caching_allocator().end_allocate_to_pool(device_, stream_.id());
    capturing_ = false;
  }

  std::unique_ptr<Recorder> recorder_;
  c10::MempoolId_t pool_{0, 0};
  c10::DeviceIndex device_ = 0;
  c10::Stream stream_{c10::Stream::DEFAULT, c10::Device(kDeviceType, 0)};
  bool capturing_ = false;
  bool debug_ = false;
};

}  // namespace

std::unique_ptr<GraphImpl> make_graph(bool /*keep_graph: the recorded calls are always kept*/) {
  return std::make_unique<RecordedGraph>();
}

}  // namespace flagos::graph
