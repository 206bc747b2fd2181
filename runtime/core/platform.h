// What each platform supplies to the shared runtime, beside its HAL (runtime/hal/flagos_hal.h).
//
// Implemented once per platform in platforms/<platform>/, one file per concern (memory.cc,
// native.cc, copy.cc; streams.h in streams.cc), each delegating by name to the building blocks of
// runtime/platform/ where it shares them; linked in by select(), so the shared runtime has no
// per-platform #ifdefs. The "native device" is the PyTorch device
// whose ATen kernels serve flagos tensors zero-copy: CPU on host, CUDA on cuda.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Allocator.h>
#include <c10/core/CachingDeviceAllocator.h>
#include <c10/core/Device.h>
#include <c10/core/DispatchKeySet.h>

#include <cstdint>

namespace flagos::platform {

// The allocator behind every flagos tensor (stats, empty_cache and record_stream included).
c10::DeviceAllocator& device_allocator();

// The native device that presents flagos device `index` to ATen kernels.
c10::Device native_device(c10::DeviceIndex index);

// The dispatch key of the native device's kernels (host: CPU, cuda: CUDA), alone and as a key
// set: what the native provider redispatches to. Computed once (runtime/core/native_key.cc).
c10::DispatchKey native_dispatch_key();
c10::DispatchKeySet native_dispatch_keys();

// Whether native aliases of flagos memory may be read and written by ATen kernels: true where the
// native device addresses flagos memory (host: CPU, cuda: CUDA). False on platforms whose device
// memory no ATen device can read (ascend): copies then move bytes only through the HAL
// (runtime/ops/staged_copy.h) and the native provider has no ATen kernels to call.
bool native_aliases_readable();

// Allocator for the storages of native aliases: memory from the flagos pool, labelled with the
// native device. Native kernels that resize an output (out= ops, resize_) allocate through it,
// so the new memory can be handed back to the flagos tensor without a copy.
c10::Allocator* native_alias_allocator();

// True when `data` (owned by a native tensor) is flagos pool memory, so a native kernel's fresh
// output can become a flagos tensor without a copy.
bool is_pool_memory(const c10::DataPtr& data);

// Entered around every native kernel call on flagos device `index`: makes the native side use
// that device, its current stream and the flagos pool (host: CPU allocations made by the kernel
// come from the pool; cuda: current CUDA device and stream follow flagos').
class NativeScope {
 public:
  explicit NativeScope(c10::DeviceIndex index);
  ~NativeScope();
  NativeScope(const NativeScope&) = delete;
  NativeScope& operator=(const NativeScope&) = delete;

 private:
  // What the destructor restores (-1: nothing): the flagos (or, on cuda, CUDA) current device
  // before the scope, and on host the device whose pool served this thread's CPU allocations.
  c10::DeviceIndex previous_device_ = -1;
  c10::DeviceIndex previous_allocation_device_ = -1;
};

// The native generator that backs flagos' generator of device `index` (the numbers native
// random kernels draw).
at::Generator make_engine(c10::DeviceIndex index, uint64_t seed);

// Copies flagos `src` into flagos `dst` (same device, same shape) with a platform kernel when the
// platform has one for the case at hand, on the current stream; false leaves it to the native copy.
bool copy_fast_path(const at::Tensor& src, const at::Tensor& dst);

// How torch's scaled_dot_product_attention should run on flagos tensors, given the backend the
// native device chose for the same inputs (an at::native::sdp::SDPBackend value): the native
// choice where the composite can reach that backend from a non-native device, else an equivalent
// it can reach (on cuda, flash attention goes through the "overrideable" entry).
int64_t sdp_backend(int64_t native_choice, const at::Tensor& query);

// Page-locked host memory for fast, asynchronous host<->device copies.
c10::Allocator* pinned_host_allocator();
bool is_pinned(const void* ptr);

}  // namespace flagos::platform
