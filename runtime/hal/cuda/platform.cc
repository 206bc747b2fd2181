// The cuda platform's side of runtime/core/platform.h.
//
// Native device: CUDA. flagos memory comes from PyTorch's CUDA caching allocator, the very pool
// cuda tensors use (no second cache, one set of statistics); DataPtrs are relabelled to the flagos
// device, so flagos storage and the CUDA allocator's blocks are the same objects. Random numbers
// come from a CUDA generator per flagos device (same numbers as torch.cuda for the same seed), and
// pinned host memory from CUDA's caching host allocator.
#include <ATen/Context.h>
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <ATen/cuda/PinnedMemoryAllocator.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>

#include <mutex>

#include "runtime/core/device.h"
#include "runtime/core/platform.h"

namespace flagos::platform {
namespace {

// torch.cuda's lazy initialisation (caching allocator, per-device state) without going through
// Python: flagos may be the first user of CUDA in the process.
c10::cuda::CUDACachingAllocator::CUDAAllocator* cuda_pool() {
  static std::once_flag once;
  std::call_once(once, [] { at::globalContext().lazyInitDevice(c10::DeviceType::CUDA); });
  return c10::cuda::CUDACachingAllocator::get();
}

c10::Stream as_cuda_stream(const c10::Stream& s) {
  return c10::Stream(c10::Stream::UNSAFE, c10::Device(c10::DeviceType::CUDA, s.device_index()), s.id());
}

class CudaPoolAllocator final : public c10::DeviceAllocator {
 public:
  c10::DataPtr allocate(size_t nbytes) override {
    c10::DataPtr data = cuda_pool()->allocate(nbytes);  // current CUDA device == current flagos device
    data.unsafe_set_device(c10::Device(kDeviceType, c10::cuda::current_device()));
    return data;
  }
  c10::DeleterFnPtr raw_deleter() const override { return cuda_pool()->raw_deleter(); }
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    cuda_pool()->copy_data(dest, src, count);
  }
  bool initialized() override { return cuda_pool()->initialized(); }
  void emptyCache(c10::MempoolId_t mempool_id) override { cuda_pool()->emptyCache(mempool_id); }
  void recordStream(const c10::DataPtr& ptr, c10::Stream stream) override {
    if (ptr.get()) cuda_pool()->recordStream(ptr, as_cuda_stream(stream));
  }
  c10::CachingDeviceAllocator::DeviceStats getDeviceStats(c10::DeviceIndex device) override {
    check_device_index(device);
    return cuda_pool()->getDeviceStats(device);
  }
  void resetAccumulatedStats(c10::DeviceIndex device) override {
    check_device_index(device);
    cuda_pool()->resetAccumulatedStats(device);
  }
  void resetPeakStats(c10::DeviceIndex device) override {
    check_device_index(device);
    cuda_pool()->resetPeakStats(device);
  }
  std::pair<size_t, size_t> getMemoryInfo(c10::DeviceIndex device) override {
    check_device_index(device);
    return cuda_pool()->getMemoryInfo(device);
  }
};

CudaPoolAllocator& pool_allocator() {
  static CudaPoolAllocator* allocator = new CudaPoolAllocator();
  return *allocator;
}

struct Registration {
  Registration() { c10::SetAllocator(kDeviceType, &pool_allocator()); }
};
const Registration g_registration;

}  // namespace

c10::DeviceAllocator& device_allocator() { return pool_allocator(); }

c10::Device native_device(c10::DeviceIndex index) { return c10::Device(c10::DeviceType::CUDA, index); }

bool native_aliases_readable() { return true; }

c10::Allocator* native_alias_allocator() { return cuda_pool(); }

bool is_pool_memory(const c10::DataPtr& data) { return data.get_deleter() == cuda_pool()->raw_deleter(); }

// The CUDA device must be the flagos device the call runs on; the current stream is shared already.
NativeScope::NativeScope(c10::DeviceIndex index) : saved_{-1, 0, 0, 0} {
  const c10::DeviceIndex current = c10::cuda::current_device();
  if (current != index) {
    saved_[0] = current;
    c10::cuda::set_device(index);
  }
}

NativeScope::~NativeScope() {
  if (saved_[0] >= 0) c10::cuda::set_device(static_cast<c10::DeviceIndex>(saved_[0]));
}

at::Generator make_engine(c10::DeviceIndex index, uint64_t seed) {
  cuda_pool();
  at::Generator engine = at::cuda::detail::createCUDAGenerator(index);
  engine.set_current_seed(seed);
  return engine;
}

c10::Allocator* pinned_host_allocator() { return at::cuda::getPinnedMemoryAllocator(); }

bool is_pinned(const void* ptr) { return at::detail::getCUDAHooks().isPinnedPtr(ptr); }

}  // namespace flagos::platform
