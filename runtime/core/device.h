// Device enumeration and selection for the flagos device type (PrivateUse1).
#pragma once

#include <ATen/core/TensorBase.h>
#include <c10/core/Device.h>
#include <c10/core/StorageImpl.h>

#include <string>

namespace flagos {

constexpr c10::DeviceType kDeviceType = c10::DeviceType::PrivateUse1;
constexpr int kMaxDevices = 64;

// A defined tensor, or a storage, of the flagos device type.
inline bool is_flagos(const at::TensorBase& t) { return t.defined() && t.device().type() == kDeviceType; }
inline bool is_flagos(const c10::StorageImpl& s) { return s.device_type() == kDeviceType; }

// Number of flagos devices. Throws with the HAL's reason when the platform cannot be used (e.g.
// a malformed FLAGOS_HOST_DEVICE_COUNT); device_count_or_zero() never throws.
c10::DeviceIndex device_count();
c10::DeviceIndex device_count_or_zero() noexcept;

// Throws a clear error for an index that names no flagos device ("flagos:3 ... 2 devices ...").
void check_device_index(c10::DeviceIndex index);

// Per-thread current device, as in CUDA.
c10::DeviceIndex current_device();
void set_device(c10::DeviceIndex index);

// `device` with its index filled in (current device when it has none); checks type and index.
c10::Device resolve(c10::Device device);

// "flagos:1"
std::string device_name(c10::DeviceIndex index);

}  // namespace flagos
