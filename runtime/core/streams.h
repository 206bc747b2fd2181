// flagos streams as c10::Stream values, backed by HAL streams.
//
// Stream ids (c10::StreamId) on a flagos device:
//   0                                  the device's default stream (the HAL's NULL stream)
//   1 .. kStreamsPerPriority            pool streams of default priority
//   kStreamsPerPriority+1 .. 2*that     pool streams of high priority
// Pool streams are created lazily, once per device, and handed out round robin, as CUDA does:
// streams are cheap values that can be copied and compared, never destroyed by users.
//
// Implemented per platform: hal_streams.cc (a pool of HAL streams) by default; the cuda platform
// maps these functions onto c10::cuda's streams, so flagos and torch.cuda share streams and the
// current stream.
#pragma once

#include <c10/core/Stream.h>

#include "runtime/hal/flagos_hal.h"

namespace flagos {

constexpr int kStreamsPerPriority = 8;

// The HAL handle behind a flagos stream; throws for a stream id flagos never handed out.
flagos_hal_stream hal_stream(const c10::Stream& stream);

c10::Stream default_stream(c10::DeviceIndex device);
c10::Stream pool_stream(c10::DeviceIndex device, bool high_priority);

// Thread-local current stream of `device` (its default stream until set).
c10::Stream current_stream(c10::DeviceIndex device);
// Makes `stream` current on its device for this thread; returns the previous current stream.
c10::Stream exchange_stream(const c10::Stream& stream);

}  // namespace flagos
