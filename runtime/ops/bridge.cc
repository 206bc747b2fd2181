#include "runtime/ops/bridge.h"

#include <c10/core/DeviceGuard.h>
#include <c10/core/DispatchKeySet.h>
#include <c10/core/TensorImpl.h>
#include <c10/util/Exception.h>

#include <atomic>

#include "runtime/core/device.h"
#include "runtime/core/hal_check.h"
#include "runtime/core/platform.h"

namespace flagos::bridge {
namespace {

std::atomic<int64_t> g_adopted{0};
std::atomic<int64_t> g_copied{0};

// The native alias' DataPtr holds a reference on the flagos storage: even if a kernel kept the
// alias beyond the call, the memory stays valid.
void release_storage_ref(void* ctx) {
  c10::intrusive_ptr<c10::StorageImpl>::reclaim(static_cast<c10::StorageImpl*>(ctx));
}

c10::DataPtr borrowed(c10::StorageImpl* owner, void* data, c10::Device device) {
  c10::raw::intrusive_ptr::incref(owner);
  return c10::DataPtr(data, owner, &release_storage_ref, device);
}

// True when nobody but the caller's one reference can reach `target` (strong or weak).
template <typename T>
bool uniquely_held(T* target) {
  const auto probe = c10::intrusive_ptr<T>::reclaim_copy(target);  // +1 while probing
  return probe.use_count() == 2 && probe.weak_use_count() == 1;
}

c10::DispatchKeySet keys_for(c10::Device device) {
  return c10::DispatchKeySet(c10::computeDispatchKey(std::nullopt, c10::kStrided, device));
}

const c10::DispatchKeySet kFlagosKeys(c10::DispatchKey::PrivateUse1);

// Names TensorImpl's protected device field through a derived class, which C++ allows when forming
// a pointer to member; the pointer then works on any TensorImpl. Used only on tensors nobody else
// can see yet (a kernel's fresh output), to turn them into flagos tensors in place.
struct TensorImplAccess : c10::TensorImpl {
  static constexpr std::optional<c10::Device> c10::TensorImpl::*kDevice = &TensorImplAccess::device_opt_;
};

// Makes a native kernel's fresh, unshared output a flagos tensor without allocating anything: its
// memory (from the flagos pool) is relabelled, its dispatch keys and device become flagos'.
void rehome(c10::TensorImpl* impl, c10::Device flagos_device, c10::Allocator* allocator) {
  c10::StorageImpl* storage = impl->storage().unsafeGetStorageImpl();
  storage->_mutable_data_ptr_no_checks().unsafe_set_device(flagos_device);
  storage->set_allocator(allocator);
  impl->_change_backend_component_keys(flagos_device);
  impl->*TensorImplAccess::kDevice = flagos_device;
}

// The constructor adds the autograd/ADInplaceOrView keys of the backend (unless in inference
// mode), so results take part in autograd and view tracking like any native tensor.
at::Tensor make_tensor(c10::Storage storage, c10::DispatchKeySet keys, caffe2::TypeMeta dtype,
                       const c10::TensorImpl& shape) {
  auto impl = c10::make_intrusive<c10::TensorImpl>(std::move(storage), keys, dtype);
  impl->set_sizes_and_strides(shape.sizes(), shape.strides(), shape.storage_offset());
  return at::Tensor(std::move(impl));
}

}  // namespace

Call::Call(c10::DeviceIndex device)
    : device_(device),
      flagos_device_(kDeviceType, device),
      native_device_(platform::native_device(device)),
      native_keys_(keys_for(native_device_)) {}
Call::~Call() = default;

c10::StorageImpl* Call::native_storage_for(c10::StorageImpl* flagos) {
  for (const StoragePair& p : storages_) {
    if (p.flagos == flagos) return p.native.get();
  }
  const c10::DeviceIndex index = flagos->device().index();
  const c10::Device native = index == device_ ? native_device_ : platform::native_device(index);
  auto impl = c10::make_intrusive<c10::StorageImpl>(
      c10::StorageImpl::use_byte_size_t(), flagos->nbytes(), borrowed(flagos, flagos->mutable_data(), native),
      platform::native_alias_allocator(), flagos->resizable());
  c10::StorageImpl* raw = impl.get();
  storages_.push_back(StoragePair{flagos, std::move(impl)});
  return raw;
}

at::Tensor Call::to_native(const at::Tensor& flagos) {
  const c10::TensorImpl* src = flagos.unsafeGetTensorImpl();
  c10::StorageImpl* storage = native_storage_for(src->storage().unsafeGetStorageImpl());
  const c10::DispatchKeySet keys = src->device().index() == device_ ? native_keys_ : keys_for(storage->device());
  at::Tensor native = make_tensor(c10::Storage(c10::intrusive_ptr<c10::StorageImpl>::reclaim_copy(storage)), keys,
                                  flagos.dtype(), *src);
  native.unsafeGetTensorImpl()->set_allow_tensor_metadata_change(src->allow_tensor_metadata_change());
  tensors_.push_back(TensorPair{flagos, native.unsafeGetTensorImpl()});
  return native;
}

bool Call::is_alias_storage(const c10::StorageImpl* native) const {
  for (const StoragePair& p : storages_) {
    if (p.native.get() == native) return true;
  }
  return false;
}

c10::Storage Call::to_native(const c10::Storage& flagos) {
  return c10::Storage(
      c10::intrusive_ptr<c10::StorageImpl>::reclaim_copy(native_storage_for(flagos.unsafeGetStorageImpl())));
}

c10::Storage Call::flagos_storage_for(c10::StorageImpl* native, bool owner_is_unique) {
  for (const StoragePair& p : storages_) {
    if (p.native.get() == native) return c10::Storage(c10::intrusive_ptr<c10::StorageImpl>::reclaim_copy(p.flagos));
  }
  for (const auto& [n, f] : adopted_) {
    if (n == native) return f;
  }
  // A native alias made by an earlier call (e.g. handed to Python by bridge::alias): its DataPtr
  // names the flagos storage it borrows.
  if (native->data_ptr().get_deleter() == &release_storage_ref) {
    auto* owner = static_cast<c10::StorageImpl*>(native->data_ptr().get_context());
    if (owner->device().type() == kDeviceType && owner->data() == native->data()) {
      return c10::Storage(c10::intrusive_ptr<c10::StorageImpl>::reclaim_copy(owner));
    }
  }
  const c10::Device flagos_device = flagos_device_;
  c10::Allocator* allocator = &platform::device_allocator();
  const size_t nbytes = native->nbytes();
  c10::DataPtr data;
  if (platform::is_pool_memory(native->data_ptr())) {
    if (owner_is_unique && uniquely_held(native)) {
      data = native->set_data_ptr(c10::DataPtr());  // nobody else sees it: take the memory over
      data.unsafe_set_device(flagos_device);
    } else {
      data = borrowed(native, native->mutable_data(), flagos_device);  // shared: keep it alive
    }
    g_adopted.fetch_add(1, std::memory_order_relaxed);
  } else {
    // Foreign memory (not from the flagos pool): copy, so flagos memory stays flagos memory.
    const c10::DeviceGuard guard(flagos_device);
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
    if (p.native == impl) return p.flagos;
  }
  TORCH_CHECK(impl->has_storage(), "flagos: a native kernel returned a tensor without storage (",
              impl->device_type(), "); flagos cannot present it as a flagos tensor");
  c10::StorageImpl* storage = impl->storage().unsafeGetStorageImpl();
  // The common case, a fresh output from the flagos pool that nobody else holds (a caller of
  // from_native may hold it): it becomes the flagos result in place.
  if (uniquely_held(impl) && uniquely_held(storage) && platform::is_pool_memory(storage->data_ptr()) &&
      !is_alias_storage(storage)) {
    rehome(impl, flagos_device_, &platform::device_allocator());
    g_adopted.fetch_add(1, std::memory_order_relaxed);
    return native;
  }
  // Otherwise a new flagos tensor over the mapped storage (the memory is taken over only if no one
  // else holds the tensor).
  return make_tensor(flagos_storage_for(impl->storage().unsafeGetStorageImpl(), uniquely_held(impl)), kFlagosKeys,
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
      data.unsafe_set_device(c10::Device(kDeviceType, flagos_storage->device().index()));
      flagos_storage->set_data_ptr_noswap(std::move(data));
      flagos_storage->set_nbytes(native_storage->nbytes());
    }
  } else {
    dst->set_storage_keep_dtype(flagos_storage_for(native_storage, false));  // set_() onto another storage
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
