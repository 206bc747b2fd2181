#include "runtime/dispatch/alias_pool.h"


namespace flagos::bridge {

AliasPool& AliasPool::here() {
  thread_local AliasPool pool;
  return pool;
}

at::Tensor AliasPool::take(bool inference) {
  auto& spare = spare_[inference];
  if (spare.empty()) return at::Tensor();
  at::Tensor alias = std::move(spare.back());
  spare.pop_back();
  return alias;
}

void AliasPool::offer(at::Tensor&& alias, c10::DispatchKeySet keys, c10::DeleterFnPtr borrowed_deleter,
                      bool inference) {
  auto& spare = spare_[inference];
  if (spare.size() >= kMaxSpare) return;
  c10::TensorImpl* impl = alias.unsafeGetTensorImpl();
  c10::StorageImpl* storage = impl->storage().unsafeGetStorageImpl();
  const bool reusable = uniquely_held(impl) && uniquely_held(storage) && impl->key_set() == keys &&
                        impl->autograd_meta() == nullptr && !impl->is_wrapped_number() &&
                        (storage->data_ptr().get_deleter() == borrowed_deleter || !storage->data_ptr().get());
  if (!reusable) return;  // `alias` dies with the caller's reference, as it would have anyway
  storage->set_data_ptr_noswap(c10::DataPtr());  // lets the flagos memory go now
  storage->set_nbytes(0);
  spare.push_back(std::move(alias));
}

}  // namespace flagos::bridge
