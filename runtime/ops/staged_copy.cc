#include "runtime/ops/staged_copy.h"

#include <ATen/ops/empty.h>

#include <cstdint>

#include "runtime/core/device.h"
#include "runtime/core/ordered_copy.h"
#include "runtime/hal/flagos_hal.h"

namespace flagos::staged {
namespace {

// The elements of its storage a tensor can touch: [first, first + count).
struct Span {
  int64_t first = 0;
  int64_t count = 0;
};

Span span_of(const at::Tensor& t) {
  int64_t lo = t.storage_offset();
  int64_t hi = lo;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.size(d) == 0) return Span{lo, 0};
    const int64_t reach = (t.size(d) - 1) * t.stride(d);
    (reach < 0 ? lo : hi) += reach;
  }
  return Span{lo, hi - lo + 1};
}

// A CPU tensor laid out like flagos tensor `t` over a host buffer of the bytes `t` spans.
struct HostImage {
  at::Tensor buffer;  // the span, contiguous
  at::Tensor view;    // t's sizes, strides, offset, conj/neg bits, over `buffer`
  char* device_bytes;  // where the span starts in device memory
  size_t nbytes;
};

HostImage image_of(const at::Tensor& t, bool read) {
  HostImage img;
  const Span span = span_of(t);
  const size_t item = t.dtype().itemsize();
  img.nbytes = static_cast<size_t>(span.count) * item;
  img.device_bytes = static_cast<char*>(t.storage().mutable_data()) + span.first * static_cast<int64_t>(item);
  img.buffer = at::empty({span.count}, at::TensorOptions().dtype(t.scalar_type()));
  if (read) ordered_copy(img.buffer.data_ptr(), img.device_bytes, img.nbytes, FLAGOS_HAL_DEVICE_TO_HOST, t.device().index());
  img.view = img.buffer.as_strided(t.sizes(), t.strides(), t.storage_offset() - span.first);
  img.view._set_conj(t.is_conj());
  img.view._set_neg(t.is_neg());
  return img;
}

}  // namespace

void copy(const at::Tensor& src, const at::Tensor& dst) {
  if (dst.numel() == 0) return;
  // The source as a CPU tensor (a host image of flagos memory, or a host copy of another device's).
  const at::Tensor source = is_flagos(src) ? image_of(src, true).view : src.cpu();
  if (!is_flagos(dst)) {
    dst.copy_(source);
    return;
  }
  // A destination that covers its whole span is written without reading it first; one with gaps
  // (a strided view) is read so that the bytes between its elements go back unchanged.
  const bool covers_span = dst.is_non_overlapping_and_dense() && span_of(dst).count == dst.numel();
  HostImage img = image_of(dst, !covers_span);
  img.view.copy_(source);
  ordered_copy(img.device_bytes, img.buffer.data_ptr(), img.nbytes, FLAGOS_HAL_HOST_TO_DEVICE, dst.device().index());
}

}  // namespace flagos::staged
