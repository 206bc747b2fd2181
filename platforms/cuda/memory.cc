// The cuda platform's device and pinned memory (runtime/core/platform.h).
//
// flagos memory comes from PyTorch's CUDA caching allocator, the very pool that
// cuda tensors use (no second cache, one set of statistics); DataPtrs are relabelled to the flagos
// device, so flagos storage and the CUDA allocator's blocks are the same objects. Pinned host memory
// comes from CUDA's caching host allocator.
#include <ATen/Context.h>
#include <ATen/cuda/PinnedMemoryAllocator.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>

#include <mutex>

#include "platforms/cuda/cuda_pool.h"
#include "runtime/core/device.h"
#include "runtime/core/platform.h"

namespace flagos::platform {

c10::cuda::CUDACachingAllocator::CUDAAllocator* cuda::pool() {
  static std::once_flag once;
  std::call_once(once, [] { at::globalContext().lazyInitDevice(c10::DeviceType::CUDA); });
  return c10::cuda::CUDACachingAllocator::get();
}

namespace {

using cuda::pool;

c10::Stream as_cuda_stream(const c10::Stream& s) {
  return c10::Stream(c10::Stream::UNSAFE, c10::Device(c10::DeviceType::CUDA, s.device_index()), s.id());
}

class CudaPoolAllocator final : public c10::DeviceAllocator {
 public:
  c10::DataPtr allocate(size_t nbytes) override {
    c10::DataPtr data = pool()->allocate(nbytes);  // current CUDA device == current flagos device
    data.unsafe_set_device(c10::Device(kDeviceType, c10::cuda::current_device()));
    return data;
  }
  c10::DeleterFnPtr raw_deleter() const override { return pool()->raw_deleter(); }
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    pool()->copy_data(dest, src, count);
  }
  bool initialized() override { return pool()->initialized(); }
  void emptyCache(c10::MempoolId_t mempool_id) override { pool()->emptyCache(mempool_id); }
  void recordStream(const c10::DataPtr& ptr, c10::Stream stream) override {
    if (ptr.get()) pool()->recordStream(ptr, as_cuda_stream(stream));
  }
  c10::CachingDeviceAllocator::DeviceStats getDeviceStats(c10::DeviceIndex device) override {
    check_device_index(device);
    return pool()->getDeviceStats(device);
  }
  void resetAccumulatedStats(c10::DeviceIndex device) override {
    check_device_index(device);
    pool()->resetAccumulatedStats(device);
  }
  void resetPeakStats(c10::DeviceIndex device) override {
    check_device_index(device);
    pool()->resetPeakStats(device);
  }
  std::pair<size_t, size_t> getMemoryInfo(c10::DeviceIndex device) override {
    check_device_index(device);
    return pool()->getMemoryInfo(device);
  }
};

CudaPoolAllocator& pool_allocator() {
  static CudaPoolAllocator* allocator = new CudaPoolAllocator();
  return *allocator;
}

}  // namespace

c10::DeviceAllocator& device_allocator() { return pool_allocator(); }

bool is_pool_memory(const c10::DataPtr& data) { return data.get_deleter() == pool()->raw_deleter(); }

c10::Allocator* pinned_host_allocator() { return at::cuda::getPinnedMemoryAllocator(); }

bool is_pinned(const void* ptr) { return at::detail::getCUDAHooks().isPinnedPtr(ptr); }

}  // namespace flagos::platform
