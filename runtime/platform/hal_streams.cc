#include "runtime/platform/hal_streams.h"

#include <c10/util/Exception.h>

#include <array>
#include <atomic>
#include <mutex>

#include "runtime/core/device.h"
#include "runtime/core/hal_check.h"

namespace flagos::hal_streams {
namespace {

struct DevicePool {
  std::once_flag once;
  std::array<flagos_hal_stream, 2 * kStreamsPerPriority> streams{};
  std::array<std::atomic<uint32_t>, 2> next{};
};

std::array<DevicePool, kMaxDevices>& pools() {
  static auto* p = new std::array<DevicePool, kMaxDevices>();  // leaked: streams outlive static destruction
  return *p;
}

thread_local std::array<c10::StreamId, kMaxDevices> t_current{};

DevicePool& pool_for(c10::DeviceIndex device) {
  check_device_index(device);
  DevicePool& pool = pools()[device];
  std::call_once(pool.once, [&] {
    int least = 0, greatest = 0;
    FLAGOS_HAL_CHECK(flagos_hal_stream_priority_range(&least, &greatest));
    for (int i = 0; i < 2 * kStreamsPerPriority; ++i) {
      const int priority = i < kStreamsPerPriority ? least : greatest;
      FLAGOS_HAL_CHECK(flagos_hal_stream_create(device, priority, &pool.streams[i]));
    }
  });
  return pool;
}

void check_stream(const c10::Stream& stream) {
  TORCH_CHECK(stream.device_type() == kDeviceType, "flagos: expected a flagos stream, got a stream of ",
              stream.device().str());
  TORCH_CHECK(stream.id() >= 0 && stream.id() <= 2 * kStreamsPerPriority, "flagos: unknown stream id ",
              stream.id(), " on ", stream.device().str(), " (flagos hands out ids 0..", 2 * kStreamsPerPriority, ")");
}

}  // namespace

flagos_hal_stream hal_stream(const c10::Stream& stream) {
  check_stream(stream);
  if (stream.id() == 0) return nullptr;
  return pool_for(stream.device_index()).streams[stream.id() - 1];
}

c10::Stream default_stream(c10::DeviceIndex device) {
  check_device_index(device);
  return c10::Stream(c10::Stream::UNSAFE, c10::Device(kDeviceType, device), 0);
}

c10::Stream pool_stream(c10::DeviceIndex device, bool high_priority) {
  DevicePool& pool = pool_for(device);
  const uint32_t k = pool.next[high_priority].fetch_add(1, std::memory_order_relaxed) % kStreamsPerPriority;
  const c10::StreamId id = 1 + k + (high_priority ? kStreamsPerPriority : 0);
  return c10::Stream(c10::Stream::UNSAFE, c10::Device(kDeviceType, device), id);
}

c10::Stream current_stream(c10::DeviceIndex device) {
  check_device_index(device);
  return c10::Stream(c10::Stream::UNSAFE, c10::Device(kDeviceType, device), t_current[device]);
}

c10::Stream exchange_stream(const c10::Stream& stream) {
  check_stream(stream);
  check_device_index(stream.device_index());
  const c10::DeviceIndex device = stream.device_index();
  c10::Stream previous(c10::Stream::UNSAFE, stream.device(), t_current[device]);
  t_current[device] = stream.id();
  return previous;
}

}  // namespace flagos::hal_streams
