/* Fused cast-and-copy between contiguous float32 / float16 / bfloat16 device buffers (CUDA).
 * One pass, 16-byte vector accesses where alignment allows: the path autocast takes for every
 * weight cast. Plain C so the runtime calls it without CUDA-compiling torch's headers. */
#ifndef FLAGOS_KERNELS_CUDA_CAST_COPY_H_
#define FLAGOS_KERNELS_CUDA_CAST_COPY_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { FLAGOS_CAST_F32 = 0, FLAGOS_CAST_F16 = 1, FLAGOS_CAST_BF16 = 2 };

/* Enqueues dst[i] = (dst_dtype) src[i] for i < n on `stream` (a cudaStream_t).
 * Returns 0 on success, else the cudaError_t of the launch; unsupported dtype codes return -1. */
int flagos_cuda_cast_copy(void* dst, int dst_dtype, const void* src, int src_dtype, int64_t n, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* FLAGOS_KERNELS_CUDA_CAST_COPY_H_ */
