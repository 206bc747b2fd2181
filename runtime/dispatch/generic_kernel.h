// The generic boxed kernel that runs any ATen operator on flagos tensors through the platform's
// native kernels (see bridge.h), registered as the PrivateUse1 fallback.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

namespace flagos {

void native_fallback(const c10::OperatorHandle& op, c10::DispatchKeySet keys, torch::jit::Stack* stack);

}  // namespace flagos
