// See cast_copy.h. Each thread converts 8 elements: one 16-byte load of 16-bit types (two of
// float32) and one store, when both buffers are 16-byte aligned; otherwise element by element.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "platforms/cuda/kernels/cast_copy.h"

namespace {

constexpr int kVec = 8;
constexpr int kThreads = 256;

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T>
__device__ __forceinline__ T from_float(float x);
template <>
__device__ __forceinline__ float from_float<float>(float x) { return x; }
template <>
__device__ __forceinline__ __half from_float<__half>(float x) { return __float2half_rn(x); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

template <typename T>
struct alignas(sizeof(T) * kVec) Pack {
  T v[kVec];
};

template <typename S, typename D>
__global__ void cast_vectorized(D* __restrict__ dst, const S* __restrict__ src, int64_t packs) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < packs; i += stride) {
    const Pack<S> in = reinterpret_cast<const Pack<S>*>(src)[i];
    Pack<D> out;
#pragma unroll
    for (int k = 0; k < kVec; ++k) out.v[k] = from_float<D>(to_float(in.v[k]));
    reinterpret_cast<Pack<D>*>(dst)[i] = out;
  }
}

template <typename S, typename D>
__global__ void cast_scalar(D* __restrict__ dst, const S* __restrict__ src, int64_t begin, int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = begin + blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    dst[i] = from_float<D>(to_float(src[i]));
  }
}

int blocks_for(int64_t work) {
  int device = 0, sms = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
  const int64_t wanted = (work + kThreads - 1) / kThreads;
  const int64_t cap = static_cast<int64_t>(sms > 0 ? sms : 80) * 8;  // grid-stride beyond a few waves
  return static_cast<int>(wanted < cap ? (wanted > 0 ? wanted : 1) : cap);
}

template <typename S, typename D>
int launch(void* dst, const void* src, int64_t n, cudaStream_t stream) {
  const bool aligned = reinterpret_cast<uintptr_t>(dst) % 16 == 0 && reinterpret_cast<uintptr_t>(src) % 16 == 0 &&
                       reinterpret_cast<uintptr_t>(dst) % (sizeof(D) * kVec) == 0 &&
                       reinterpret_cast<uintptr_t>(src) % (sizeof(S) * kVec) == 0;
  int64_t done = 0;
  if (aligned) {
    const int64_t packs = n / kVec;
    if (packs > 0) {
      cast_vectorized<S, D><<<blocks_for(packs), kThreads, 0, stream>>>(static_cast<D*>(dst), static_cast<const S*>(src),
                                                                        packs);
    }
    done = packs * kVec;
  }
  if (done < n) {
    cast_scalar<S, D><<<blocks_for(n - done), kThreads, 0, stream>>>(static_cast<D*>(dst), static_cast<const S*>(src),
                                                                     done, n);
  }
  return static_cast<int>(cudaGetLastError());
}

template <typename S>
int dispatch_dst(void* dst, int dst_dtype, const void* src, int64_t n, cudaStream_t stream) {
  switch (dst_dtype) {
    case FLAGOS_CAST_F32: return launch<S, float>(dst, src, n, stream);
    case FLAGOS_CAST_F16: return launch<S, __half>(dst, src, n, stream);
    case FLAGOS_CAST_BF16: return launch<S, __nv_bfloat16>(dst, src, n, stream);
  }
  return -1;
}

}  // namespace

extern "C" __attribute__((visibility("hidden"))) int flagos_cuda_cast_copy(void* dst, int dst_dtype, const void* src,
                                                                             int src_dtype, int64_t n, void* stream) {
  if (n <= 0) return 0;
  const auto s = static_cast<cudaStream_t>(stream);
  switch (src_dtype) {
    case FLAGOS_CAST_F32: return dispatch_dst<float>(dst, dst_dtype, src, n, s);
    case FLAGOS_CAST_F16: return dispatch_dst<__half>(dst, dst_dtype, src, n, s);
    case FLAGOS_CAST_BF16: return dispatch_dst<__nv_bfloat16>(dst, dst_dtype, src, n, s);
  }
  return -1;
}
