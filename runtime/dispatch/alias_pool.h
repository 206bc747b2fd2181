// Per-thread reuse of native alias objects (bridge.cc).
//
// Building an alias is most of the generic kernel's own cost: a TensorImpl and a StorageImpl are
// allocated, constructed, destroyed and freed on every operator call. Each thread keeps the pairs
// of calls that have finished, provided nothing else still references them, and the next call
// re-targets one instead of building a new one. A pooled pair references no flagos memory.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/StorageImpl.h>
#include <c10/util/SmallVector.h>

namespace flagos::bridge {

// True when nobody but the caller's one reference can reach `target` (strong or weak).
template <typename T>
bool uniquely_held(T* target) {
  const auto probe = c10::intrusive_ptr<T>::reclaim_copy(target);  // +1 while probing
  return probe.use_count() == 2 && probe.weak_use_count() == 1;
}

class AliasPool {
 public:
  // The calling thread's pool.
  static AliasPool& here();

  // A recycled alias tensor whose (sole) storage is already detached, or an undefined tensor when
  // the pool is empty. `inference`: whether inference mode is on. Tensors made in inference mode
  // have other dispatch keys and no version counter, so each mode has a pool of its own
  // (generation runs under torch.inference_mode: it needs the pool as much as anything).
  at::Tensor take(bool inference);

  // Offers `alias` (a tensor whose StorageImpl is an alias storage: DataPtr borrowed from flagos)
  // for reuse. Kept only if the caller's reference is the only one on both objects and the kernel
  // left nothing behind on them (autograd data, another storage, other dispatch keys); `keys` are
  // the keys it was built with, `inference` the mode it was built in. Its borrowed memory is
  // released when it is kept.
  void offer(at::Tensor&& alias, c10::DispatchKeySet keys, c10::DeleterFnPtr borrowed_deleter, bool inference);

 private:
  static constexpr size_t kMaxSpare = 16;
  c10::SmallVector<at::Tensor, kMaxSpare> spare_[2];  // [inference mode]
};

}  // namespace flagos::bridge
