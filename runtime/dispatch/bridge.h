// The zero-copy bridge: presents flagos tensors to the platform's native ATen kernels as native
// device tensors over the same memory, and maps the kernels' results back to flagos tensors.
//
// Nothing shared is mutated to do so: a native alias is a new TensorImpl over a new StorageImpl
// whose DataPtr points at the flagos memory (and holds a reference to the flagos storage), so the
// bridge is safe to use from many threads at once. Results map back by identity:
//   - an alias the call created          -> the original flagos tensor (in-place / out= returns);
//   - a view of an input's memory         -> a flagos view of the same storage;
//   - a fresh output from the flagos pool -> turned into the flagos result in place, no copy;
//   - fresh memory from anywhere else     -> copied into flagos memory (counted: copied_outputs).
// Arguments a kernel may mutate are synchronised back after the call (sizes, strides, offset, a
// storage it grew or replaced), which gives resize_ and out= their native semantics.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Storage.h>
#include <c10/util/SmallVector.h>

#include <cstdint>

namespace flagos::bridge {

class Call {
 public:
  // `device`: the flagos device the call runs on; fresh outputs land there.
  explicit Call(c10::DeviceIndex device);
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  c10::DeviceIndex device() const { return device_; }

  // Native alias of a defined flagos tensor.
  at::Tensor to_native(const at::Tensor& flagos);
  // Native alias of a flagos storage (for operators that take a Storage).
  c10::Storage to_native(const c10::Storage& flagos);
  // flagos tensor for a native result (see the header comment).
  at::Tensor to_flagos(const at::Tensor& native);
  // After the kernel: make `flagos` reflect what the kernel did to its alias `native`.
  void sync_back(const at::Tensor& flagos, const at::Tensor& native);

 private:
  struct StoragePair {
    c10::StorageImpl* flagos;
    c10::intrusive_ptr<c10::StorageImpl> native;
  };
  struct TensorPair {
    at::Tensor flagos;
    at::Tensor native;  // held until the call ends, so identities compared with results stay valid
    c10::DispatchKeySet keys;
  };
  // `owner_is_unique`: the native tensor being mapped is held by nobody else, so its storage's
  // memory may be moved into the flagos storage instead of shared.
  c10::Storage flagos_storage_for(c10::StorageImpl* native, bool owner_is_unique);
  c10::StorageImpl* native_storage_for(c10::StorageImpl* flagos);

  c10::DeviceIndex device_;
  c10::Device flagos_device_;
  c10::Device native_device_;
  c10::DispatchKeySet native_keys_;
  bool inference_;  // inference mode was on when the call began (alias_pool.h: one pool per mode)
  c10::SmallVector<StoragePair, 4> storages_;
  c10::SmallVector<TensorPair, 4> tensors_;
  c10::SmallVector<std::pair<c10::StorageImpl*, c10::Storage>, 2> adopted_;
};

// Counters for tests and benchmarks (monotonic; process-wide).
struct Stats {
  int64_t adopted_outputs;  // fresh native outputs that became flagos tensors without a copy
  int64_t copied_outputs;   // fresh native outputs from foreign memory, copied into flagos memory
};
Stats stats();

}  // namespace flagos::bridge
