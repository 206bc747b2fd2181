// c10 DeviceGuardImplInterface for flagos: devices, streams and events over the HAL.
// torch.Stream / torch.Event / torch.accelerator and every DeviceGuard on a flagos device land here.
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <c10/util/Exception.h>

#include "runtime/core/platform.h"
#include "runtime/core/device.h"
#include "runtime/core/hal_check.h"
#include "runtime/core/streams.h"

namespace flagos {
namespace {

flagos_hal_event as_event(void* event) { return static_cast<flagos_hal_event>(event); }

struct FlagosGuardImpl final : c10::impl::DeviceGuardImplInterface {
  c10::DeviceType type() const override { return kDeviceType; }

  c10::Device exchangeDevice(c10::Device device) const override {
    const c10::Device target = resolve(device);
    const c10::DeviceIndex previous = current_device();
    if (previous != target.index()) set_device(target.index());
    return c10::Device(kDeviceType, previous);
  }

  c10::Device getDevice() const override { return c10::Device(kDeviceType, current_device()); }

  void setDevice(c10::Device device) const override { set_device(resolve(device).index()); }

  void uncheckedSetDevice(c10::Device device) const noexcept override {
    (void)flagos_hal_set_device(device.index());
  }

  c10::Stream getStream(c10::Device device) const override { return current_stream(resolve(device).index()); }

  c10::Stream getDefaultStream(c10::Device device) const override { return default_stream(resolve(device).index()); }

  c10::Stream getStreamFromGlobalPool(c10::Device device, bool high_priority) const override {
    return pool_stream(resolve(device).index(), high_priority);
  }

  // torch.Stream(priority=p): negative priorities are the high-priority pool, as on CUDA.
  c10::Stream getNewStream(c10::Device device, int priority) const override {
    return pool_stream(resolve(device).index(), priority < 0);
  }

  c10::Stream exchangeStream(c10::Stream stream) const override { return exchange_stream(stream); }

  c10::DeviceIndex deviceCount() const noexcept override { return device_count_or_zero(); }

  void record(void** event, const c10::Stream& stream, const c10::DeviceIndex device_index,
              const c10::EventFlag flag) const override {
    TORCH_CHECK(device_index == -1 || device_index == stream.device_index(), "flagos: event of flagos:",
                static_cast<int>(device_index), " cannot be recorded on a stream of ", stream.device().str());
    if (*event == nullptr) {
      // PYTORCH_DEFAULT events skip timing (cheaper), BACKEND_DEFAULT ones (enable_timing=True) keep it.
      const unsigned flags = flag == c10::EventFlag::BACKEND_DEFAULT ? FLAGOS_HAL_EVENT_DEFAULT
                                                                     : FLAGOS_HAL_EVENT_DISABLE_TIMING;
      flagos_hal_event created = nullptr;
      FLAGOS_HAL_CHECK(flagos_hal_event_create(stream.device_index(), flags, &created));
      *event = created;
    }
    FLAGOS_HAL_CHECK(flagos_hal_event_record(as_event(*event), hal_stream(stream)));
  }

  void block(void* event, const c10::Stream& stream) const override {
    if (!event) return;  // never recorded: nothing to wait for
    FLAGOS_HAL_CHECK(flagos_hal_stream_wait_event(hal_stream(stream), as_event(event)));
  }

  bool queryEvent(void* event) const override {
    if (!event) return true;
    const flagos_hal_status status = flagos_hal_event_query(as_event(event));
    if (status == FLAGOS_HAL_ERROR_NOT_READY) return false;
    FLAGOS_HAL_CHECK(status);
    return true;
  }

  void destroyEvent(void* event, const c10::DeviceIndex /*device_index*/) const noexcept override {
    if (event) (void)flagos_hal_event_destroy(as_event(event));
  }

  bool queryStream(const c10::Stream& stream) const override {
    const flagos_hal_status status = flagos_hal_stream_query(hal_stream(stream));
    if (status == FLAGOS_HAL_ERROR_NOT_READY) return false;
    FLAGOS_HAL_CHECK(status);
    return true;
  }

  void synchronizeStream(const c10::Stream& stream) const override {
    FLAGOS_HAL_CHECK(flagos_hal_stream_synchronize(hal_stream(stream)));
  }

  void synchronizeEvent(void* event) const override {
    if (event) FLAGOS_HAL_CHECK(flagos_hal_event_synchronize(as_event(event)));
  }

  void synchronizeDevice(const c10::DeviceIndex device_index) const override {
    const c10::DeviceIndex device = device_index < 0 ? current_device() : device_index;
    check_device_index(device);
    FLAGOS_HAL_CHECK(flagos_hal_device_synchronize(device));
  }

  void recordDataPtrOnStream(const c10::DataPtr& data, const c10::Stream& stream) const override {
    platform::device_allocator().recordStream(data, stream);
  }

  double elapsedTime(void* start, void* end, const c10::DeviceIndex /*device_index*/) const override {
    TORCH_CHECK(start && end, "flagos: both events must be recorded before measuring the time between them");
    float ms = 0;
    FLAGOS_HAL_CHECK(flagos_hal_event_elapsed_ms(&ms, as_event(start), as_event(end)));
    return ms;
  }
};

}  // namespace
}  // namespace flagos

C10_REGISTER_GUARD_IMPL(PrivateUse1, flagos::FlagosGuardImpl);
