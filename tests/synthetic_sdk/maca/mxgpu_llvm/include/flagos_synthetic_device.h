// SYNTHETIC stand-in (tests/synthetic_sdk/README.md): the host emulation of MXMACA device code
// that the stand-in mxcc force-includes. Not MetaX's compiler or headers.
//
// Kernels become host functions. A launch `k<<<grid, block, shm, stream>>>(args)` (rewritten by
// the stand-in mxcc into __flagos_synthetic_launch(k, grid, block, shm, stream)(args)) is queued
// on the stand-in runtime's stream like any other stream work, and when the stream runs it, the
// kernel body runs once per thread of the grid, serially, with threadIdx/blockIdx/blockDim/
// gridDim set. Enough for element-wise kernels that test a build rule and stream ordering;
// __shared__, __syncthreads, atomics and warp intrinsics are NOT emulated (they do not compile).
#pragma once

#include <mc_runtime.h>

#include <cstddef>
#include <tuple>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)

namespace flagos_synthetic_device {

struct Index {
  unsigned x = 0, y = 0, z = 0;
};
inline thread_local Index thread_index;
inline thread_local Index block_index;
inline thread_local dim3 block_dim;
inline thread_local dim3 grid_dim;

}  // namespace flagos_synthetic_device

#define threadIdx (::flagos_synthetic_device::thread_index)
#define blockIdx (::flagos_synthetic_device::block_index)
#define blockDim (::flagos_synthetic_device::block_dim)
#define gridDim (::flagos_synthetic_device::grid_dim)

extern "C" mcError_t flagos_synthetic_mc_launch(mcStream_t stream, const char* kernel, dim3 grid, dim3 block,
                                                size_t shared_bytes, void (*run)(void*), void (*destroy)(void*),
                                                void* context);

namespace flagos_synthetic_device {

template <class... P>
struct Launch {
  using Kernel = void (*)(P...);
  struct Context {
    Kernel kernel;
    dim3 grid, block;
    std::tuple<P...> args;
  };

  Kernel kernel;
  const char* name;
  dim3 grid, block;
  size_t shared_bytes;
  mcStream_t stream;

  static void run(void* p) {
    auto* c = static_cast<Context*>(p);
    grid_dim = c->grid;
    block_dim = c->block;
    for (unsigned bz = 0; bz < c->grid.z; ++bz)
      for (unsigned by = 0; by < c->grid.y; ++by)
        for (unsigned bx = 0; bx < c->grid.x; ++bx)
          for (unsigned tz = 0; tz < c->block.z; ++tz)
            for (unsigned ty = 0; ty < c->block.y; ++ty)
              for (unsigned tx = 0; tx < c->block.x; ++tx) {
                block_index = Index{bx, by, bz};
                thread_index = Index{tx, ty, tz};
                std::apply(c->kernel, c->args);
              }
  }
  static void destroy(void* p) { delete static_cast<Context*>(p); }

  template <class... A>
  void operator()(A&&... args) const {
    auto* c = new Context{kernel, grid, block, std::tuple<P...>(std::forward<A>(args)...)};
    flagos_synthetic_mc_launch(stream, name, grid, block, shared_bytes, &run, &destroy, c);
  }
};

template <class... P>
Launch<P...> make_launch(void (*kernel)(P...), const char* name, dim3 grid, dim3 block, size_t shared_bytes = 0,
                         mcStream_t stream = nullptr) {
  return Launch<P...>{kernel, name, grid, block, shared_bytes, stream};
}

}  // namespace flagos_synthetic_device

#define __flagos_synthetic_launch(kernel, ...) \
  ::flagos_synthetic_device::make_launch(kernel, #kernel, __VA_ARGS__)
