#include "runtime/platform/opaque_memory.h"

#include <c10/util/Exception.h>

#include "runtime/hal/flagos_hal.h"

namespace flagos::opaque_memory {

c10::Allocator* no_native_alias_allocator() {
  TORCH_CHECK(false, "flagos: the ", flagos_hal_platform(), " platform has no native aliases (ATen cannot read ",
              "its device memory)");
}

}  // namespace flagos::opaque_memory
