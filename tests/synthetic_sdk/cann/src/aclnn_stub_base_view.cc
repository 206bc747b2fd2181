// Shapes and strided views of the SYNTHETIC stand-in aclnn (libnnopbase.so; see
// aclnn_stub_internal.h): broadcasting, the bytes a view touches, and reading / writing views
// element by element. The operators read their inputs whole (gather) before they write (scatter),
// so an output that overlaps an input (an in-place operation) gets the right result.
#include <cstring>
#include <string>

#include "aclnn_stub_internal.h"

namespace flagos_synthetic {
namespace aclnn_stub {

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
  return s + "]";
}

bool broadcast(const std::vector<int64_t>& a, const std::vector<int64_t>& b, std::vector<int64_t>* out) {
  const size_t n = a.size() > b.size() ? a.size() : b.size();
  std::vector<int64_t> shape(n, 1);
  for (size_t k = 0; k < n; ++k) {  // from the right
    const int64_t da = k < a.size() ? a[a.size() - 1 - k] : 1;
    const int64_t db = k < b.size() ? b[b.size() - 1 - k] : 1;
    if (da != db && da != 1 && db != 1) return false;
    shape[n - 1 - k] = da == 1 ? db : da;
  }
  *out = shape;
  return true;
}

bool view_bytes(const aclTensor& t, const void** begin, size_t* bytes) {
  int64_t last = t.offset;
  for (size_t k = 0; k < t.shape.size(); ++k) {
    if (t.shape[k] == 0) return false;
    last += (t.shape[k] - 1) * t.strides[k];  // no overflow: aclCreateTensor checked
  }
  *begin = element(t, t.offset);
  *bytes = static_cast<size_t>(last - t.offset + 1) * item_size(t.dtype);
  return true;
}

std::vector<int64_t> strides_for(const aclTensor& t, const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 0);
  const size_t lead = shape.size() - t.shape.size();  // dimensions t lacks (broadcast)
  for (size_t k = 0; k < t.shape.size(); ++k) {
    strides[lead + k] = t.shape[k] == 1 && shape[lead + k] != 1 ? 0 : t.strides[k];
  }
  return strides;
}

std::vector<double> gather(const aclTensor& t, const std::vector<int64_t>& shape) {
  std::vector<double> values(static_cast<size_t>(numel(shape)));
  const char* base = static_cast<const char*>(t.data);
  const int64_t item = static_cast<int64_t>(item_size(t.dtype));
  walk(shape, strides_for(t, shape), t.offset,
       [&](int64_t i, int64_t at) { values[static_cast<size_t>(i)] = load(t.dtype, base + at * item); });
  return values;
}

void scatter(const aclTensor& t, const std::vector<double>& values) {
  walk(t.shape, t.strides, t.offset,
       [&](int64_t i, int64_t at) { store(t.dtype, element(t, at), values[static_cast<size_t>(i)]); });
}

void copy_convert(const aclTensor& dst, const aclTensor& src) {
  // The source's elements first, as raw bytes (exact), then converted into the destination.
  const size_t item = item_size(src.dtype);
  std::vector<unsigned char> staged(static_cast<size_t>(numel(dst.shape)) * item);
  walk(dst.shape, strides_for(src, dst.shape), src.offset, [&](int64_t i, int64_t at) {
    std::memcpy(staged.data() + static_cast<size_t>(i) * item, element(src, at), item);
  });
  walk(dst.shape, dst.strides, dst.offset, [&](int64_t i, int64_t at) {
    convert(dst.dtype, element(dst, at), src.dtype, staged.data() + static_cast<size_t>(i) * item);
  });
}

}  // namespace aclnn_stub
}  // namespace flagos_synthetic
