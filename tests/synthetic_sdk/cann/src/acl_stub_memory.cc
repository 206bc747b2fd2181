// Memory and copies of the SYNTHETIC stand-in AscendCL (see acl_stub_device.cc): memory is
// allocated on, and freed from, the current device; copies check their kind against the pointers
// (a HOST_TO_DEVICE copy needs device memory as its destination and host memory as its source...)
// and count <= destMax; asynchronous copies run when their stream does.
#include <cstring>
#include <string>

#include "acl/acl.h"
#include "acl_stub_internal.h"

using flagos_synthetic::Call;
using flagos_synthetic::call_of;
using flagos_synthetic::copy_sides;
using flagos_synthetic::CopySides;
using flagos_synthetic::Stream;
using namespace flagos_synthetic::acl_stub;

namespace {

const char* kind_name(aclrtMemcpyKind kind) {
  switch (kind) {
    case ACL_MEMCPY_HOST_TO_HOST: return "ACL_MEMCPY_HOST_TO_HOST";
    case ACL_MEMCPY_HOST_TO_DEVICE: return "ACL_MEMCPY_HOST_TO_DEVICE";
    case ACL_MEMCPY_DEVICE_TO_HOST: return "ACL_MEMCPY_DEVICE_TO_HOST";
    case ACL_MEMCPY_DEVICE_TO_DEVICE: return "ACL_MEMCPY_DEVICE_TO_DEVICE";
  }
  return "unknown kind";
}

aclError check_copy(const char* api, void* dst, size_t dest_max, const void* src, size_t count, aclrtMemcpyKind kind) {
  if (!dst || !src) return fail(ACL_ERROR_INVALID_PARAM, std::string(api) + ": NULL pointer");
  if (count > dest_max) {
    return fail(ACL_ERROR_INVALID_PARAM, std::string(api) + ": count " + std::to_string(count) + " exceeds destMax " +
                                             std::to_string(dest_max));
  }
  if (kind < ACL_MEMCPY_HOST_TO_HOST || kind > ACL_MEMCPY_DEVICE_TO_DEVICE) {
    return fail(ACL_ERROR_INVALID_PARAM, std::string(api) + ": unknown aclrtMemcpyKind " + std::to_string(kind));
  }
  CopySides want;
  want.dst_device = kind == ACL_MEMCPY_HOST_TO_DEVICE || kind == ACL_MEMCPY_DEVICE_TO_DEVICE;
  want.src_device = kind == ACL_MEMCPY_DEVICE_TO_HOST || kind == ACL_MEMCPY_DEVICE_TO_DEVICE;
  const CopySides is = copy_sides(dst, src, count);
  if (is != want) {
    return fail(ACL_ERROR_INVALID_PARAM,
                std::string(api) + ": " + kind_name(kind) + " but the destination is " +
                    (is.dst_device ? "device" : "host") + " memory and the source is " +
                    (is.src_device ? "device" : "host") + " memory (" + std::to_string(count) + " bytes)");
  }
  return ACL_SUCCESS;
}

}  // namespace

extern "C" {

aclError aclrtMalloc(void** devPtr, size_t size, aclrtMemMallocPolicy policy) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtMalloc");
  c.bytes = size;
  c.flags = static_cast<unsigned>(policy);
  if (aclError e = begin(c)) return e;
  if (!devPtr || size == 0) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMalloc: NULL output or zero size");
  if (aclError e = need_device("aclrtMalloc")) return e;
  if (!rt().allocate(t_device, size, devPtr)) {
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "aclrtMalloc: device " + std::to_string(t_device) + " has " +
                                                    std::to_string(rt().capacity() - rt().used(t_device)) +
                                                    " bytes free, " + std::to_string(size) + " requested");
  }
  return ACL_SUCCESS;
}

aclError aclrtFree(void* devPtr) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtFree");
  c.ptr = devPtr;
  if (aclError e = begin(c)) return e;
  if (aclError e = need_device("aclrtFree")) return e;
  const int owner = rt().device_of(devPtr, 0);
  if (owner < 0) return fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtFree: not a device allocation");
  if (owner != t_device) {
    return fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtFree: the memory belongs to device " + std::to_string(owner) +
                                                " but the current device is " + std::to_string(t_device));
  }
  int device = -1;
  if (!rt().free(devPtr, &device)) return fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtFree: not the start of an allocation");
  return ACL_SUCCESS;
}

aclError aclrtMallocHost(void** hostPtr, size_t size) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtMallocHost");
  c.bytes = size;
  if (aclError e = begin(c)) return e;
  if (!hostPtr || size == 0) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocHost: NULL output or zero size");
  if (aclError e = need_device("aclrtMallocHost")) return e;
  *hostPtr = rt().host_alloc(size);
  if (!*hostPtr) return fail(ACL_ERROR_BAD_ALLOC, "aclrtMallocHost: out of host memory");
  return ACL_SUCCESS;
}

aclError aclrtFreeHost(void* hostPtr) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtFreeHost");
  c.ptr = hostPtr;
  if (aclError e = begin(c)) return e;
  if (!rt().host_free(hostPtr)) return fail(ACL_ERROR_INVALID_PARAM, "aclrtFreeHost: not from aclrtMallocHost");
  return ACL_SUCCESS;
}

aclError aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtMemcpy");
  c.ptr = dst;
  c.bytes = count;
  c.kind = kind;
  if (aclError e = begin(c)) return e;
  if (aclError e = need_device("aclrtMemcpy")) return e;
  if (aclError e = check_copy("aclrtMemcpy", dst, destMax, src, count, kind)) return e;
  std::memmove(dst, src, count);
  return ACL_SUCCESS;
}

aclError aclrtMemcpyAsync(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind,
                          aclrtStream stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtMemcpyAsync");
  c.ptr = dst;
  c.bytes = count;
  c.kind = kind;
  c.stream = stream;
  if (aclError e = begin(c)) return e;
  Stream* s = nullptr;
  if (aclError e = resolve_stream("aclrtMemcpyAsync", stream, &s)) return e;
  if (aclError e = check_stream_device("aclrtMemcpyAsync", s)) return e;
  if (aclError e = check_copy("aclrtMemcpyAsync", dst, destMax, src, count, kind)) return e;
  rt().enqueue(s, "aclrtMemcpyAsync", [dst, src, count] { std::memmove(dst, src, count); });
  return ACL_SUCCESS;
}

}  // extern "C"
