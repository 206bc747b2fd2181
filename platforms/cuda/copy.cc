// The cuda platform's device copies (runtime/core/platform.h): the fused cast-copy kernel of
// platforms/cuda/kernels for dtype-converting copies; ATen's copy for the rest.
#include <ATen/MemoryOverlap.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include "platforms/cuda/kernels/cast_copy.h"
#include "runtime/core/platform.h"

namespace flagos::platform {
namespace {

int cast_code(c10::ScalarType t) {
  switch (t) {
    case c10::ScalarType::Float: return FLAGOS_CAST_F32;
    case c10::ScalarType::Half: return FLAGOS_CAST_F16;
    case c10::ScalarType::BFloat16: return FLAGOS_CAST_BF16;
    default: return -1;
  }
}

}  // namespace

// Same-dtype copies stay with ATen (a cudaMemcpyAsync); so do strided and broadcasting ones.
bool copy_fast_path(const at::Tensor& src, const at::Tensor& dst) {
  const int from = cast_code(src.scalar_type()), to = cast_code(dst.scalar_type());
  if (from < 0 || to < 0 || from == to) return false;
  if (src.sizes() != dst.sizes() || !src.is_contiguous() || !dst.is_contiguous()) return false;
  if (at::get_overlap_status(src, dst) != at::MemOverlapStatus::No) return false;
  if (src.numel() == 0) return true;
  const NativeScope scope(dst.device().index());
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream(dst.device().index()).stream();
  const int rc = flagos_cuda_cast_copy(dst.data_ptr(), to, src.data_ptr(), from, src.numel(), stream);
  TORCH_CHECK(rc == 0, "flagos: the cast-copy kernel failed to launch: ",
              rc > 0 ? cudaGetErrorString(static_cast<cudaError_t>(rc)) : "unsupported dtypes");
  return true;
}

}  // namespace flagos::platform
