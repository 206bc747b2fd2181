// The cuda platform's native side (runtime/core/platform.h).
//
// Native device: CUDA. Native aliases of flagos memory are CUDA tensors over the same blocks of
// PyTorch's CUDA caching allocator (cuda_pool.h); native kernels run with the flagos device as the
// current CUDA device, on the shared current stream (streams.cc). Random numbers come from a CUDA
// generator per flagos device (same numbers as torch.cuda for the same seed).
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <c10/cuda/CUDAFunctions.h>

#include "platforms/cuda/cuda_pool.h"
#include "runtime/core/platform.h"

namespace flagos::platform {

c10::Device native_device(c10::DeviceIndex index) { return c10::Device(c10::DeviceType::CUDA, index); }

bool native_aliases_readable() { return true; }

c10::Allocator* native_alias_allocator() { return cuda::pool(); }

// The CUDA device must be the flagos device the call runs on; the current stream is shared already.
NativeScope::NativeScope(c10::DeviceIndex index) {
  const c10::DeviceIndex current = c10::cuda::current_device();
  if (current != index) {
    previous_device_ = current;
    c10::cuda::set_device(index);
  }
}

NativeScope::~NativeScope() {
  if (previous_device_ >= 0) c10::cuda::set_device(previous_device_);
}

at::Generator make_engine(c10::DeviceIndex index, uint64_t seed) {
  cuda::pool();
  at::Generator engine = at::cuda::detail::createCUDAGenerator(index);
  engine.set_current_seed(seed);
  return engine;
}

}  // namespace flagos::platform
