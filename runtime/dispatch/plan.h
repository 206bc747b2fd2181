// What the generic kernel knows about an operator before any call: which arguments carry tensors,
// devices, generators or storages, and which of them the kernel may write. Computed once per
// operator from its schema and shared by every provider (the native, kernel, platform and cpu
// providers walk the same slots instead of re-classifying the arguments on each call).
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/core/device.h"

namespace flagos::dispatch {

enum class ArgKind : uint8_t { Tensor, TensorList, OptionalTensorList, Device, Generator, Storage };

struct Slot {
  uint16_t index;  // position in the schema's arguments
  ArgKind kind;
  bool is_write;   // the schema says the kernel may mutate it: Tensor(a!)
  bool cpu_write;  // the cpu provider must copy it back although the schema does not say so
};

struct Plan {
  size_t num_args = 0;
  size_t num_returns = 0;
  std::vector<Slot> slots;         // only the arguments that need attention; scalars are skipped
  std::atomic<uint64_t> route{0};  // routing::route_of's cache
  bool cpu_runnable = true;        // the cpu provider can run it (cpu_provider.h)
  uint64_t write_mask = 0;         // bit i: argument i may be written (arguments past 64: never set)

  bool writes(size_t index) const { return index < 64 && ((write_mask >> index) & 1); }
};

// The plan of `op` (built on first use; lock-free afterwards on each thread).
Plan& plan_for(const c10::OperatorHandle& op);

// The call's arguments: the last num_args entries of the stack.
inline c10::IValue* arguments(const Plan& plan, torch::jit::Stack* stack) {
  return stack->data() + (stack->size() - plan.num_args);
}

// Accumulates the devices of a call's operands (call_device, and the fast path's typed arguments).
class DeviceCheck {
 public:
  // A tensor operand; `in_index_list`: an element of an index list (CPU index tensors are fine).
  void tensor(const at::Tensor& t, bool in_index_list);
  void storage(const c10::Device& d);
  void device(const c10::Device& d);  // a Device argument: the hint when no tensor says
  // The call's flagos device; raises CUDA's error when operands are on different devices.
  c10::DeviceIndex finish();

 private:
  void tensor_device(const c10::Device& d) {
    if (device_ < 0) {
      device_ = d.index();
    } else if (d.index() != device_) {
      mismatch(d);
    }
  }
  [[noreturn]] void mismatch(const c10::Device& other, c10::DeviceIndex self = -1) const;
  c10::DeviceIndex device_ = -1;
  c10::DeviceIndex device_hint_ = -1;
  std::optional<c10::Device> other_;
};

// The flagos device a call runs on; operands on another device raise CUDA's error. CPU scalars
// (0-dim) and CPU index tensors are accepted, as on CUDA.
c10::DeviceIndex call_device(const Plan& plan, const c10::IValue* args);

}  // namespace flagos::dispatch
