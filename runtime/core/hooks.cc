// PrivateUse1HooksInterface: what PyTorch asks of the flagos backend in a device-generic way
// (availability, generators, pinned memory, storage resizes, pointer -> device).
#include <ATen/detail/PrivateUse1HooksInterface.h>
#include <c10/core/Allocator.h>
#include <c10/util/Exception.h>

#include <algorithm>

#include "runtime/core/device.h"
#include "runtime/core/generator.h"
#include "runtime/core/ordered_copy.h"
#include "runtime/core/platform.h"

namespace flagos {
namespace {

struct FlagosHooks final : at::PrivateUse1HooksInterface {
  void init() const override { (void)device_count(); }  // surfaces a platform error early
  bool isBuilt() const override { return true; }
  bool isAvailable() const override { return device_count_or_zero() > 0; }
  bool hasPrimaryContext(c10::DeviceIndex device_index) const override {
    return device_index >= 0 && device_index < device_count_or_zero();
  }
  c10::DeviceIndex deviceCount() const override { return device_count_or_zero(); }
  void setCurrentDevice(c10::DeviceIndex device) const override { set_device(device); }
  c10::DeviceIndex getCurrentDevice() const override { return current_device(); }

  c10::DeviceIndex exchangeDevice(c10::DeviceIndex device) const override {
    const c10::DeviceIndex previous = current_device();
    if (device != previous) set_device(device);
    return previous;
  }

  c10::DeviceIndex maybeExchangeDevice(c10::DeviceIndex device) const override {
    if (device < 0 || device >= device_count_or_zero()) return current_device();
    return exchangeDevice(device);
  }

  const at::Generator& getDefaultGenerator(c10::DeviceIndex device_index) const override {
    return default_generator(device_index);
  }

  at::Generator getNewGenerator(c10::DeviceIndex device_index) const override {
    return new_generator(device_index);
  }

  // flagos memory carries its device in the DataPtr; a bare pointer is attributed to the
  // current device, the only answer available without a pointer-attribute query in the HAL.
  at::Device getDeviceFromPtr(void* /*data*/) const override { return at::Device(kDeviceType, current_device()); }

  bool isPinnedPtr(const void* data) const override { return data && platform::is_pinned(data); }

  at::Allocator* getPinnedMemoryAllocator() const override { return platform::pinned_host_allocator(); }

  // UntypedStorage.resize_() on a flagos storage.
  void resizePrivateUse1Bytes(const c10::Storage& storage, size_t newsize) const override {
    c10::StorageImpl* impl = storage.unsafeGetStorageImpl();
    TORCH_CHECK(impl->resizable(), "flagos: trying to resize a storage that is not resizable");
    at::Allocator* allocator = impl->allocator();
    TORCH_CHECK(allocator, "flagos: trying to resize a storage without an allocator");
    const c10::DeviceIndex device = impl->device().index();
    const c10::DeviceIndex previous = current_device();
    if (device != previous) set_device(device);
    c10::DataPtr fresh = allocator->allocate(newsize);
    if (device != previous) set_device(previous);
    const size_t keep = std::min(newsize, impl->nbytes());
    ordered_copy(fresh.get(), impl->data(), keep, FLAGOS_HAL_DEVICE_TO_DEVICE, device);
    impl->set_data_ptr_noswap(std::move(fresh));
    impl->set_nbytes(newsize);
  }
};

bool register_hooks() {
  static FlagosHooks* hooks = new FlagosHooks();
  at::RegisterPrivateUse1HooksInterface(hooks);
  // The allocator behind every flagos tensor: the platform's (runtime/core/platform.h).
  c10::SetAllocator(kDeviceType, &platform::device_allocator());
  return true;
}

const bool g_hooks_registered = register_hooks();

}  // namespace
}  // namespace flagos
