// How the operator path hands a call to the graph being captured (capture.h says when).
//
//   std::optional<graph::Recording> rec;
//   if (C10_UNLIKELY(graph::capturing())) rec = graph::Recording::start(op, device, args, n);
//   ... run the call ...
//   if (rec) rec->finish(*stack);
#pragma once

#include <ATen/Tensor.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include <optional>
#include <vector>

namespace flagos::graph {

class Recorder;

class Recording {
 public:
  // Nothing when the current stream of `device` is not being captured. Raises (and invalidates
  // the capture) for an operation a graph cannot contain: reading device memory on the host.
  static std::optional<Recording> start(const c10::OperatorHandle& op, c10::DeviceIndex device,
                                        const c10::IValue* args, size_t num_args);
  // After the call: its results are the top num_returns entries of `stack`.
  void finish(const torch::jit::Stack& stack);

 private:
  Recording(Recorder* recorder, const c10::OperatorHandle& op) : recorder_(recorder), op_(op) {}
  Recorder* recorder_;
  c10::OperatorHandle op_;
  std::vector<c10::IValue> args_;
};

// flagos' _copy_from(self, dst) (runtime/ops/copy.cc) during capture: a copy to the host raises;
// any other copy is recorded (a host source is read again on each replay, as CUDA re-reads it).
void record_copy(const at::Tensor& self, const at::Tensor& dst, bool non_blocking);

}  // namespace flagos::graph
