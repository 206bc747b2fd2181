// The providers the generic kernel (generic_kernel.cc) routes an operator call to. Each takes the
// call's boxed stack and leaves the operator's results on it, as flagos tensors.
//
//   native    the platform's ATen kernels on zero-copy native aliases (native_provider.cc)
//   kernels   a provider whose kernels are registered on routing::kProviderKey from Python
//             (FlagGems'), called on the same aliases (kernel_provider.cc)
//   platform  the native provider where ATen cannot read flagos memory: the platform's kernels
//             on routing::kPlatformKey, called on the flagos tensors (platform_provider.cc)
//   cpu       host copies, ATen's CPU kernel, results copied back (cpu_provider.h)
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <c10/core/DispatchKeySet.h>

#include "runtime/dispatch/plan.h"

namespace flagos::dispatch {

void run_native(const c10::OperatorHandle& op, const Plan& plan, c10::DeviceIndex device, torch::jit::Stack* stack);
void run_kernels(const c10::OperatorHandle& op, const Plan& plan, c10::DeviceIndex device, torch::jit::Stack* stack);
void run_platform(const c10::OperatorHandle& op, c10::DeviceIndex device, torch::jit::Stack* stack);

// The native provider on a platform without native aliases, for an operator the platform has no
// kernel for: raises saying how to route it.
[[noreturn]] void no_platform_kernel(const c10::OperatorHandle& op);

// A native kernel raised NotImplementedError for `op`: re-raises it saying that the native device
// lacks the kernel (native provider and fast path).
[[noreturn]] void no_native_kernel(const c10::OperatorHandle& op, c10::DeviceIndex device,
                                   const c10::NotImplementedError& e);

// Runs `op` on native aliases of the flagos arguments with the kernel `keys` select (native and
// kernel providers), then maps results and written arguments back.
void run_bridged(const c10::OperatorHandle& op, const Plan& plan, c10::DeviceIndex device, c10::DispatchKeySet keys,
                 torch::jit::Stack* stack);

}  // namespace flagos::dispatch
