// The generic boxed kernel (generic_kernel.cc): registered as the PrivateUse1 fallback, and
// directly for the operators registration.cc lists, it serves every ATen operator on flagos
// tensors that has no explicit kernel, through the provider the operator is routed to.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

namespace flagos::dispatch {

void generic_kernel(const c10::OperatorHandle& op, c10::DispatchKeySet keys, torch::jit::Stack* stack);

}  // namespace flagos::dispatch
