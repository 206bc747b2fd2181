#include "runtime/graph/record.h"

#include <c10/util/Exception.h>

#include <string>
#include <string_view>

#include "runtime/core/device.h"
#include "runtime/core/streams.h"
#include "runtime/graph/capture.h"
#include "runtime/graph/recorder.h"
#include "runtime/routing/op_names.h"

namespace flagos::graph {
namespace {

// Operators that bring device values to the host (or whose result shape depends on them): a graph
// replays without Python, so it cannot give the host those values again. Data, not code: name and
// how Python usually spells it.
struct HostRead {
  const char* op;
  const char* spelled;
};
constexpr HostRead kHostReads[] = {
    {"aten::_local_scalar_dense", ".item(), float(t), int(t), bool(t), print(t)"},
    {"aten::item", ".item()"},
    {"aten::is_nonzero", "bool(t), `if t:`"},
    {"aten::equal", "torch.equal"},
    {"aten::nonzero", "t.nonzero(), torch.where(cond), boolean-mask indexing"},
    {"aten::masked_select", "torch.masked_select, t[mask]"},
    {"aten::_unique", "torch.unique"},
    {"aten::_unique2", "torch.unique"},
    {"aten::unique_dim", "torch.unique(dim=...)"},
    {"aten::unique_consecutive", "torch.unique_consecutive"},
    {"aten::bincount", "torch.bincount"},
};

const HostRead* host_read(const c10::OperatorName& name) {
  for (const HostRead& h : kHostReads) {
    if (name.name == h.op) return &h;
  }
  return nullptr;
}

[[noreturn]] void refuse(Recorder* recorder, c10::DeviceIndex device, const std::string& what) {
  const std::string msg = what + " while stream " + std::to_string(current_stream(device).id()) + " of " +
                          device_name(device) +
                          " is being captured into a graph. A graph replays without Python, so it cannot hand "
                          "device values to the host: do this before capture_begin() or after capture_end()/"
                          "replay(), or keep the value on the device (e.g. torch.where instead of `if t:`). The "
                          "capture is now invalid: end it, reset() the graph and capture again.";
  recorder->fail(msg);
  TORCH_CHECK(false, "flagos: ", msg);
}

}  // namespace

std::optional<Recording> Recording::start(const c10::OperatorHandle& op, c10::DeviceIndex device,
                                          const c10::IValue* args, size_t num_args) {
  Recorder* recorder = recording_for(device);
  if (!recorder) return std::nullopt;
  if (const HostRead* h = host_read(op.operator_name())) {
    refuse(recorder, device, routing::full_name(op.operator_name()) + " (" + h->spelled + ") reads device memory on the host");
  }
  for (const c10::Argument& a : op.schema().arguments()) {
    if (!a.alias_info() || !a.alias_info()->isWrite()) continue;
    const c10::IValue& v = args[&a - op.schema().arguments().data()];
    if (v.isTensor()) {
      recorder->preserve(v.toTensor());
    } else if (v.isTensorList()) {
      for (const at::Tensor& t : v.toTensorList()) recorder->preserve(t);
    }
  }
  Recording rec(recorder, op);
  rec.args_.reserve(num_args);
  for (size_t i = 0; i < num_args; ++i) rec.args_.push_back(freeze(args[i]));
  return rec;
}

void Recording::finish(const torch::jit::Stack& stack) {
  const size_t n = op_.schema().returns().size();
  std::vector<c10::IValue> results(stack.end() - static_cast<std::ptrdiff_t>(n), stack.end());
  recorder_->add(op_, std::move(args_), std::move(results), /*writes_args=*/false);
}

void record_copy(const at::Tensor& self, const at::Tensor& dst, bool non_blocking) {
  const bool dst_flagos = is_flagos(dst);
  const c10::DeviceIndex device = dst_flagos ? dst.device().index() : self.device().index();
  Recorder* recorder = recording_for(device);
  if (!recorder) return;
  if (!dst_flagos) {
    refuse(recorder, device,
           "a copy from flagos to " + dst.device().str() + " (.cpu(), .to('cpu'), .numpy(), .tolist(), print(t))");
  }
  static const c10::OperatorHandle op =
      c10::Dispatcher::singleton().findSchemaOrThrow("aten::_copy_from", "");
  recorder->preserve(dst);
  recorder->add(op, {freeze(self), freeze(dst), non_blocking}, {}, /*writes_args=*/true);
}

}  // namespace flagos::graph
