// Host entry points of the test kernels (axpy.maca, scale.cu), compiled by mxcc through
// //tools/maca:maca.bzl's mxcc_library. Each launches on `stream` and returns the launch status.
#pragma once

#include <mc_runtime.h>

extern "C" {
// y[i] = a * x[i] + y[i] for i < n (MXMACA source, mc* API)
mcError_t flagos_test_axpy(int n, float a, const float* x, float* y, mcStream_t stream);
// out[i] = value for i < n, through a kernel template
mcError_t flagos_test_fill(int n, float value, float* out, mcStream_t stream);
// data[i] *= factor for i < n (CUDA-named source through cu-bridge)
mcError_t flagos_test_scale(int n, float factor, float* data, mcStream_t stream);
}
