#include "runtime/core/platform.h"

namespace flagos::platform {

c10::DispatchKey native_dispatch_key() {
  static const c10::DispatchKey key = c10::computeDispatchKey(std::nullopt, c10::kStrided, native_device(0));
  return key;
}

c10::DispatchKeySet native_dispatch_keys() {
  static const c10::DispatchKeySet keys(native_dispatch_key());
  return keys;
}

}  // namespace flagos::platform
