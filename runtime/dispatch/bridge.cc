#include "runtime/dispatch/bridge.h"

#include <c10/core/DeviceGuard.h>
#include <c10/core/DispatchKeySet.h>
#include <c10/core/InferenceMode.h>
#include <c10/core/TensorImpl.h>
#include <c10/util/Exception.h>

#include <atomic>

#include "runtime/core/device.h"
#include "runtime/core/hal_check.h"
#include "runtime/core/platform.h"
#include "runtime/dispatch/alias_pool.h"

namespace flagos::bridge {
namespace {

std::atomic<int64_t> g_adopted{0};
std::atomic<int64_t> g_copied{0};

const c10::DispatchKeySet kFlagosKeys(c10::DispatchKey::PrivateUse1);

// Keys that say how a tensor's memory is to be read, carried between a flagos tensor and its native
// counterpart. ZeroTensor marks a tensor without data (torch._efficientzerotensor, which autograd
// returns for e.g. sgn's gradient): its storage has a size and a NULL pointer, and every kernel
// must see the key to know not to read it.
const c10::DispatchKeySet kReadKeys({c10::DispatchKey::ZeroTensor, c10::DispatchKey::Conjugate,
                                     c10::DispatchKey::Negative});

// A DataPtr over memory owned by `owner`, holding a reference on it: whoever keeps the DataPtr
// keeps the memory valid.
void release_storage_ref(void* ctx) {
  c10::intrusive_ptr<c10::StorageImpl>::reclaim(static_cast<c10::StorageImpl*>(ctx));
}

c10::DataPtr borrowed(c10::StorageImpl* owner, c10::Device device) {
  void* data = owner->mutable_data();  // a lazily cloned (copy-on-write) storage gets its own copy first
  c10::raw::intrusive_ptr::incref(owner);
  return c10::DataPtr(data, owner, &release_storage_ref, device);
}

c10::Storage share(c10::StorageImpl* impl) {
  return c10::Storage(c10::intrusive_ptr<c10::StorageImpl>::reclaim_copy(impl));
}

// Names TensorImpl's protected device field through a derived class, which C++ allows when forming
// a pointer to member; the pointer then works on any TensorImpl. Used only on a kernel's fresh
// output that nobody else can see.
struct TensorImplAccess : c10::TensorImpl {
  static constexpr std::optional<c10::Device> c10::TensorImpl::*kDevice = &TensorImplAccess::device_opt_;
};

at::Tensor make_tensor(c10::Storage storage, c10::DispatchKeySet keys, caffe2::TypeMeta dtype,
                       const c10::TensorImpl& shape) {
  // The constructor adds the backend's autograd/ADInplaceOrView keys (unless in inference mode), so
  // the tensor takes part in autograd and view tracking like any other.
  auto impl = c10::make_intrusive<c10::TensorImpl>(std::move(storage), keys, dtype);
  impl->set_sizes_and_strides(shape.sizes(), shape.strides(), shape.storage_offset());
  return at::Tensor(std::move(impl));
}

// Makes a native kernel's fresh, unshared output a flagos tensor without allocating anything: its
// memory (from the flagos pool) is relabelled, its dispatch keys and device become flagos'.
void rehome(c10::TensorImpl* impl, c10::Device flagos_device) {
  c10::StorageImpl* storage = impl->storage().unsafeGetStorageImpl();
  storage->_mutable_data_ptr_no_checks().unsafe_set_device(flagos_device);
  storage->set_allocator(&platform::device_allocator());
  impl->_change_backend_component_keys(flagos_device);
  impl->*TensorImplAccess::kDevice = flagos_device;
}

}  // namespace

Call::Call(c10::DeviceIndex device)
    : device_(device),
      flagos_device_(kDeviceType, device),
      native_device_(platform::native_device(device)),
      native_keys_(platform::native_dispatch_keys()),
      inference_(c10::InferenceMode::is_enabled()) {}

// The aliases go back to this thread's pool (alias_pool.h); storages_ is released first so that an
// alias storage is referenced by its alias tensor alone.
Call::~Call() {
  storages_.clear();
  if (tensors_.empty()) return;
  AliasPool& pool = AliasPool::here();
  for (TensorPair& p : tensors_) {
    if (!p.keys.has(c10::DispatchKey::ZeroTensor)) {
      pool.offer(std::move(p.native), p.keys, &release_storage_ref, inference_);
    }
  }
}

c10::StorageImpl* Call::native_storage_for(c10::StorageImpl* flagos) {
  for (const StoragePair& p : storages_) {
    if (p.flagos == flagos) return p.native.get();
  }
  // The alias storage is a StorageImpl of the native device: views a kernel makes of the alias take
  // their device from it. Its allocator draws from the flagos pool, so a kernel that grows it
  // (resize_, out=) allocates flagos memory, which sync_back hands to the flagos storage.
  const c10::DeviceIndex index = flagos->device().index();
  auto impl = c10::make_intrusive<c10::StorageImpl>(
      c10::StorageImpl::use_byte_size_t(), flagos->nbytes(),
      borrowed(flagos, index == device_ ? native_device_ : platform::native_device(index)),
      platform::native_alias_allocator(), flagos->resizable());
  c10::StorageImpl* raw = impl.get();
  storages_.push_back(StoragePair{flagos, std::move(impl)});
  return raw;
}

at::Tensor Call::to_native(const at::Tensor& flagos) {
  const c10::TensorImpl* src = flagos.unsafeGetTensorImpl();
  c10::StorageImpl* flagos_storage = src->storage().unsafeGetStorageImpl();
  const c10::DeviceIndex index = flagos_storage->device().index();
  const c10::Device native = index == device_ ? native_device_ : platform::native_device(index);
  bool shared = false;
  for (const StoragePair& p : storages_) shared = shared || p.flagos == flagos_storage;
  // A tensor without data is presented as one (pooled aliases have no ZeroTensor key).
  const bool zero = src->_is_zerotensor();
  at::Tensor alias = shared || zero ? at::Tensor() : AliasPool::here().take(inference_);
  if (alias.defined()) {
    // A pooled alias and its own storage, re-targeted at this flagos tensor.
    c10::TensorImpl* impl = alias.unsafeGetTensorImpl();
    c10::StorageImpl* storage = impl->storage().unsafeGetStorageImpl();
    storage->set_data_ptr_noswap(borrowed(flagos_storage, native));
    storage->set_nbytes(flagos_storage->nbytes());
    storage->set_resizable(flagos_storage->resizable());
    impl->set_storage_and_dtype(impl->storage(), flagos.dtype());
    impl->set_sizes_and_strides(src->sizes(), src->strides(), src->storage_offset());
    storages_.push_back(StoragePair{flagos_storage, c10::intrusive_ptr<c10::StorageImpl>::reclaim_copy(storage)});
  } else {
    const c10::DispatchKeySet keys = zero ? native_keys_.add(c10::DispatchKey::ZeroTensor) : native_keys_;
    alias = make_tensor(share(native_storage_for(flagos_storage)), keys, flagos.dtype(), *src);
  }
  alias.unsafeGetTensorImpl()->set_allow_tensor_metadata_change(src->allow_tensor_metadata_change());
  const c10::DispatchKeySet built_with = alias.key_set();
  tensors_.push_back(TensorPair{flagos, std::move(alias), built_with});
  return tensors_.back().native;
}

c10::Storage Call::to_native(const c10::Storage& flagos) {
  return share(native_storage_for(flagos.unsafeGetStorageImpl()));
}

c10::Storage Call::flagos_storage_for(c10::StorageImpl* native, bool owner_is_unique) {
  if (is_flagos(*native)) return share(native);
  for (const StoragePair& p : storages_) {
    if (p.native.get() == native) return share(p.flagos);  // an input's memory, seen through an alias
  }
  for (const auto& [n, f] : adopted_) {
    if (n == native) return f;
  }
  // An alias made by an earlier call (e.g. handed to Python by to_native): its DataPtr names the
  // flagos storage it borrows.
  if (native->data_ptr().get_deleter() == &release_storage_ref) {
    auto* owner = static_cast<c10::StorageImpl*>(native->data_ptr().get_context());
    if (is_flagos(*owner) && owner->data() == native->data()) return share(owner);
  }
  c10::Allocator* allocator = &platform::device_allocator();
  const size_t nbytes = native->nbytes();
  c10::DataPtr data;
  if (platform::is_pool_memory(native->data_ptr())) {
    if (owner_is_unique && uniquely_held(native)) {
      data = native->set_data_ptr(c10::DataPtr());  // nobody else sees it: take the memory over
      data.unsafe_set_device(flagos_device_);
    } else {
      data = borrowed(native, flagos_device_);  // shared: keep it alive
    }
    g_adopted.fetch_add(1, std::memory_order_relaxed);
  } else if (native->data() == nullptr) {
    // No data (a zero tensor's storage: a size and a NULL pointer): none in flagos either.
    data = c10::DataPtr(nullptr, flagos_device_);
  } else {
    // Foreign memory (not from the flagos pool): copy, so flagos memory stays flagos memory.
    const c10::DeviceGuard guard(flagos_device_);
    data = allocator->allocate(nbytes);
    if (nbytes) {
      FLAGOS_HAL_CHECK(flagos_hal_memcpy(data.get(), native->data(), nbytes, FLAGOS_HAL_DEVICE_TO_DEVICE));
    }
    g_copied.fetch_add(1, std::memory_order_relaxed);
  }
  c10::Storage storage(c10::make_intrusive<c10::StorageImpl>(c10::StorageImpl::use_byte_size_t(), nbytes,
                                                             std::move(data), allocator, /*resizable=*/true));
  adopted_.emplace_back(native, storage);
  return storage;
}

at::Tensor Call::to_flagos(const at::Tensor& native) {
  if (!native.defined()) return native;
  c10::TensorImpl* impl = native.unsafeGetTensorImpl();
  // A kernel may return a tensor of another device on purpose (e.g. a CPU result on cuda): keep it.
  if (impl->device_type() != native_device_.type()) return native;
  for (const TensorPair& p : tensors_) {
    if (p.native.unsafeGetTensorImpl() == impl) return p.flagos;  // in-place / out=: the tensor passed in
  }
  TORCH_CHECK(impl->has_storage(), "flagos: a native kernel returned a tensor without storage (",
              impl->device_type(), "); flagos cannot present it as a flagos tensor");
  c10::StorageImpl* storage = impl->storage().unsafeGetStorageImpl();
  // The common case, a fresh output from the flagos pool that nobody else holds (a caller of
  // from_native may hold it): it becomes the flagos result in place.
  if (!is_flagos(*storage) && uniquely_held(impl) && uniquely_held(storage) &&
      platform::is_pool_memory(storage->data_ptr())) {
    bool alias = false;
    for (const StoragePair& p : storages_) alias = alias || p.native.get() == storage;
    if (!alias) {
      rehome(impl, flagos_device_);
      g_adopted.fetch_add(1, std::memory_order_relaxed);
      return native;
    }
  }
  // Otherwise a flagos tensor over the mapped storage: a view of an input's memory, or memory the
  // kernel allocated (taken over only if no one else holds the tensor).
  return make_tensor(flagos_storage_for(storage, uniquely_held(impl)), kFlagosKeys | (impl->key_set() & kReadKeys),
                     native.dtype(), *impl);
}

void Call::sync_back(const at::Tensor& flagos, const at::Tensor& native) {
  c10::TensorImpl* dst = flagos.unsafeGetTensorImpl();
  const c10::TensorImpl* src = native.unsafeGetTensorImpl();
  c10::StorageImpl* native_storage = src->storage().unsafeGetStorageImpl();
  c10::StorageImpl* flagos_storage = dst->storage().unsafeGetStorageImpl();
  const StoragePair* mine = nullptr;
  for (const StoragePair& p : storages_) {
    if (p.native.get() == native_storage) mine = &p;
  }
  if (mine && mine->flagos == flagos_storage) {
    // Same storage; a kernel that grew it (resize_, out=) swapped in new pool memory.
    if (native_storage->data() != flagos_storage->data() || native_storage->nbytes() != flagos_storage->nbytes()) {
      c10::DataPtr data = native_storage->set_data_ptr(c10::DataPtr());
      TORCH_INTERNAL_ASSERT(platform::is_pool_memory(data) || !data.get(),
                            "flagos: a native kernel resized a flagos storage with foreign memory");
      data.unsafe_set_device(flagos_storage->device());
      flagos_storage->set_data_ptr_noswap(std::move(data));
      flagos_storage->set_nbytes(native_storage->nbytes());
    }
  } else {
    dst->set_storage_keep_dtype(flagos_storage_for(native_storage, false));  // pointed at another storage
  }
  if (dst->sizes() != src->sizes() || dst->strides() != src->strides() ||
      dst->storage_offset() != src->storage_offset()) {
    dst->set_sizes_and_strides(src->sizes(), src->strides(), src->storage_offset());
  }
}

Stats stats() {
  return Stats{g_adopted.load(std::memory_order_relaxed), g_copied.load(std::memory_order_relaxed)};
}

}  // namespace flagos::bridge
