// The native provider on platforms whose device memory ATen cannot read (ascend): there are no
// native aliases, so the platform's own kernels (kernels/<platform>, registered on
// routing::kPlatformKey) take the flagos tensors themselves.
#include <c10/util/Exception.h>

#include "runtime/core/platform.h"
#include "runtime/dispatch/providers.h"
#include "runtime/hal/flagos_hal.h"
#include "runtime/routing/op_names.h"
#include "runtime/routing/routes.h"

namespace flagos::dispatch {

void run_platform(const c10::OperatorHandle& op, c10::DeviceIndex device, torch::jit::Stack* stack) {
  platform::NativeScope scope(device);
  op.redispatchBoxed(c10::DispatchKeySet(routing::kPlatformKey), stack);
}

void no_platform_kernel(const c10::OperatorHandle& op) {
  TORCH_CHECK(false, "flagos: ", routing::full_name(op.operator_name()),
              " is routed to the native provider, which has no kernel for it on the ", flagos_hal_platform(),
              " platform (ATen cannot read this platform's device memory, and kernels/", flagos_hal_platform(),
              " does not implement it). Route it to cpu (", routing::route_variable(op.operator_name()),
              "=cpu) or to a provider that implements it.");
}

}  // namespace flagos::dispatch
