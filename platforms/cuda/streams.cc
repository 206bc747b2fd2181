// The cuda platform's streams (runtime/core/streams.h): flagos streams ARE c10::cuda streams.
//
// A flagos stream and the CUDA stream behind it have the same id and device index, and the current
// flagos stream is c10::cuda's current stream. So `with torch.flagos.stream(s)` and
// `torch.cuda.current_stream()` agree, native CUDA kernels run on the flagos current stream
// without any hand-over, and torch.cuda streams interoperate both ways.
#include <c10/cuda/CUDAStream.h>
#include <c10/util/Exception.h>

#include "runtime/core/device.h"
#include "runtime/core/streams.h"

namespace flagos {
namespace {

c10::cuda::CUDAStream as_cuda(const c10::Stream& stream) {
  TORCH_CHECK(stream.device_type() == kDeviceType, "flagos: expected a flagos stream, got a stream of ",
              stream.device().str());
  check_device_index(stream.device_index());
  return c10::cuda::CUDAStream::unpack3(stream.id(), stream.device_index(), c10::DeviceType::CUDA);
}

c10::Stream as_flagos(const c10::cuda::CUDAStream& stream) {
  return c10::Stream(c10::Stream::UNSAFE, c10::Device(kDeviceType, stream.device_index()), stream.id());
}

}  // namespace

flagos_hal_stream hal_stream(const c10::Stream& stream) {
  return reinterpret_cast<flagos_hal_stream>(as_cuda(stream).stream());
}

c10::Stream default_stream(c10::DeviceIndex device) {
  check_device_index(device);
  return as_flagos(c10::cuda::getDefaultCUDAStream(device));
}

c10::Stream pool_stream(c10::DeviceIndex device, bool high_priority) {
  check_device_index(device);
  return as_flagos(c10::cuda::getStreamFromPool(high_priority, device));
}

c10::Stream current_stream(c10::DeviceIndex device) {
  check_device_index(device);
  return as_flagos(c10::cuda::getCurrentCUDAStream(device));
}

c10::Stream exchange_stream(const c10::Stream& stream) {
  const c10::cuda::CUDAStream target = as_cuda(stream);
  const c10::Stream previous = current_stream(stream.device_index());
  c10::cuda::setCurrentCUDAStream(target);
  return previous;
}

}  // namespace flagos
