// A caching device allocator over the HAL, for platforms whose driver has none that PyTorch
// already uses (host, and later Ascend/MetaX). CUDA uses PyTorch's CUDA caching allocator instead.
//
// Policy: sizes are rounded (512 B steps up to 1 MiB, then quarter-power-of-two classes, at most
// 25% slack); freed blocks stay cached per device and per stream and are reused for requests of
// the same stream that fit (small: up to 2x, large: up to 1.25x); blocks are never split. When
// the HAL runs out of memory the device's cache is released and the allocation retried once;
// then a torch.OutOfMemoryError names the device and every size involved.
// record_stream is honoured: a block used on other streams returns to the cache only after
// events recorded on those streams have completed.
#pragma once

#include <c10/core/CachingDeviceAllocator.h>

#include <cstddef>
#include <cstdint>

namespace flagos {

class CachingAllocator final : public c10::DeviceAllocator {
 public:
  // On the current flagos device.
  c10::DataPtr allocate(size_t nbytes) override;
  // On flagos device `device`, with the DataPtr labelled `label` (a flagos device, or the native
  // device for memory handed to native kernels).
  c10::DataPtr allocate_on(c10::DeviceIndex device, size_t nbytes, c10::Device label);

  c10::DeleterFnPtr raw_deleter() const override;
  void copy_data(void* dest, const void* src, std::size_t count) const override;

  bool initialized() override { return true; }
  void emptyCache(c10::MempoolId_t mempool_id = {0, 0}) override;
  void recordStream(const c10::DataPtr& ptr, c10::Stream stream) override;
  c10::CachingDeviceAllocator::DeviceStats getDeviceStats(c10::DeviceIndex device) override;
  void resetAccumulatedStats(c10::DeviceIndex device) override;
  void resetPeakStats(c10::DeviceIndex device) override;
  std::pair<size_t, size_t> getMemoryInfo(c10::DeviceIndex device) override;

  // Whether `ptr` was allocated by a CachingAllocator (its deleter is ours).
  static bool owns(const c10::DataPtr& ptr);
  // Whether the raw pointer `ptr` is the start of a live allocation of this allocator.
  bool holds(const void* ptr) const;

  // Size a request of `nbytes` occupies in the pool.
  static size_t round_size(size_t nbytes);

  // Private pools for graph capture (runtime/graph), as CUDA's allocator has them: between begin
  // and end, allocations made for `stream` of `device` come from pool `pool` (nonzero), whose
  // freed blocks are reused only by allocations into the same pool. A pool lives while it has
  // users (retain/release); when the last one goes, its cached blocks return to the HAL at once
  // and its live blocks as they are freed. empty_cache() leaves live pools alone.
  void begin_allocate_to_pool(c10::DeviceIndex device, c10::StreamId stream, uint64_t pool);
  void end_allocate_to_pool(c10::DeviceIndex device, c10::StreamId stream);
  void retain_pool(uint64_t pool);
  void release_pool(uint64_t pool);
  // The graph pool the live allocation starting at `ptr` belongs to (0: the general cache or none).
  uint64_t pool_of(const void* ptr) const;
  // Bytes currently allocated from `pool` (tests, debug dumps).
  size_t pool_allocated_bytes(uint64_t pool) const;
};

// The process-wide instance (leaked on purpose: tensors can be freed during static destruction).
CachingAllocator& caching_allocator();

}  // namespace flagos
