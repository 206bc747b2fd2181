// PyTorch's CUDA caching allocator, initialised on first use: the memory of the cuda platform
// (memory.cc) and of its native aliases (native.cc). Internal to platforms/cuda.
#pragma once

#include <c10/cuda/CUDACachingAllocator.h>

namespace flagos::platform::cuda {

// torch.cuda's lazy initialisation (caching allocator, per-device state) without going through
// Python: flagos may be the first user of CUDA in the process.
c10::cuda::CUDACachingAllocator::CUDAAllocator* pool();

}  // namespace flagos::platform::cuda
