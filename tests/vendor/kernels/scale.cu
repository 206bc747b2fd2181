// A CUDA-named device source, built for MetaX through cu-bridge (<cuda_runtime.h> over mc*),
// for the mxcc_library test.
#include <cuda_runtime.h>

#include "tests/vendor/kernels/kernels.h"

__global__ void scale_kernel(int n, float factor, float* data) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (i < n) data[i] *= factor;
}

extern "C" cudaError_t flagos_test_scale(int n, float factor, float* data, cudaStream_t stream) {
  scale_kernel<<<(n + 63) / 64, 64, 0, stream>>>(n, factor, data);
  return cudaGetLastError();
}
