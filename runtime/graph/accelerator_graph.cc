// flagos' graphs behind torch.accelerator.Graph (torch >= 2.12): an adapter from PyTorch's
// at::GraphImplInterface to flagos' GraphImpl, registered under the key the registry looks up.
#include <ATen/core/GraphImplInterface.h>
#include <c10/core/DeviceType.h>

#include <memory>
#include <string>

#include "runtime/graph/backend.h"

namespace flagos::graph {
namespace {

CaptureMode mode_of(at::GraphCaptureMode mode) {
  switch (mode) {
    case at::GraphCaptureMode::Global:
      return CaptureMode::Global;
    case at::GraphCaptureMode::ThreadLocal:
      return CaptureMode::ThreadLocal;
    case at::GraphCaptureMode::Relaxed:
      return CaptureMode::Relaxed;
    case at::GraphCaptureMode::Default:
      break;
  }
  return CaptureMode::Default;
}

class AcceleratorGraph final : public at::GraphImplInterface {
 public:
  explicit AcceleratorGraph(const at::GraphImplArgs& args) : impl_(make_graph(args.keep_graph)) {}
  void capture_begin(c10::MempoolId_t pool, at::GraphCaptureMode mode) override {
    impl_->capture_begin(pool, mode_of(mode));
  }
  void capture_end() override { impl_->capture_end(); }
  void instantiate() override { impl_->instantiate(); }
  void replay() override { impl_->replay(); }
  void reset() override { impl_->reset(); }
  c10::MempoolId_t pool() const override { return impl_->pool(); }
  void enable_debug_mode() override { impl_->enable_debug_mode(); }
  void debug_dump(const std::string& path) override { impl_->debug_dump(path); }

 private:
  std::unique_ptr<GraphImpl> impl_;
};

}  // namespace

// The registry's key is the device type's upper-case name, for PrivateUse1 the name Python gave it.
bool register_accelerator_graph() {
  const std::string key = c10::DeviceTypeName(c10::DeviceType::PrivateUse1, /*lower_case=*/false);
  if (!at::GraphImplRegistry()->Has(key)) {
    at::GraphImplRegistry()->Register(
        key, [](at::GraphImplArgs args) -> std::unique_ptr<at::GraphImplInterface> {
          return std::make_unique<AcceleratorGraph>(args);
        });
  }
  return at::has_graph_impl(c10::DeviceType::PrivateUse1);
}

}  // namespace flagos::graph
