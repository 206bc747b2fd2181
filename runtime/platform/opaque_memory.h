// Building block for platforms whose device memory no ATen device can read (ascend; metax on the
// synthetic SDK, without MetaX's PyTorch): no native aliases, and native calls (the cpu provider,
// the platform's own kernels, which run from the host) only need the call's flagos device current.
// Each such platform's native.cc implements that part of runtime/core/platform.h by calling these.
#pragma once

#include <c10/core/Allocator.h>

namespace flagos::opaque_memory {

// Fails: there is no native alias of opaque memory, so nothing may ask for its allocator.
[[noreturn]] c10::Allocator* no_native_alias_allocator();

}  // namespace flagos::opaque_memory
