#include "runtime/dispatch/alias_pool.h"

#include <c10/core/InferenceMode.h>

namespace flagos::bridge {

AliasPool& AliasPool::here() {
  thread_local AliasPool pool;
  return pool;
}

at::Tensor AliasPool::take() {
  if (spare_.empty() || c10::InferenceMode::is_enabled()) return at::Tensor();
  at::Tensor alias = std::move(spare_.back());
  spare_.pop_back();
  return alias;
}

void AliasPool::offer(at::Tensor&& alias, c10::DispatchKeySet keys, c10::DeleterFnPtr borrowed_deleter) {
  if (spare_.size() >= kMaxSpare) return;
  c10::TensorImpl* impl = alias.unsafeGetTensorImpl();
  c10::StorageImpl* storage = impl->storage().unsafeGetStorageImpl();
  const bool reusable = uniquely_held(impl) && uniquely_held(storage) && impl->key_set() == keys &&
                        impl->autograd_meta() == nullptr && !impl->is_wrapped_number() &&
                        !c10::InferenceMode::is_enabled() &&
                        (storage->data_ptr().get_deleter() == borrowed_deleter || !storage->data_ptr().get());
  if (!reusable) return;  // `alias` dies with the caller's reference, as it would have anyway
  storage->set_data_ptr_noswap(c10::DataPtr());  // lets the flagos memory go now
  storage->set_nbytes(0);
  spare_.push_back(std::move(alias));
}

}  // namespace flagos::bridge
