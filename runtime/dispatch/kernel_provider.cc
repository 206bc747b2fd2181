// Kernel providers (FlagGems', or any registered with flagos.routing.register_provider): their
// kernels sit on routing::kProviderKey, registered from Python through torch.library, and are
// called like the native device's kernels, on native aliases of the flagos arguments.
#include "runtime/dispatch/providers.h"
#include "runtime/routing/routes.h"

namespace flagos::dispatch {

void run_kernels(const c10::OperatorHandle& op, const Plan& plan, c10::DeviceIndex device, torch::jit::Stack* stack) {
  run_bridged(op, plan, device, c10::DispatchKeySet(routing::kProviderKey), stack);
}

}  // namespace flagos::dispatch
