// The generic boxed kernel: the PrivateUse1 fallback that every ATen operator on flagos tensors
// without an explicit kernel reaches. It finds the call's device, asks the route (cached in the
// operator's plan), records the call when tracing or capturing a graph (runtime/graph), and hands the stack to the provider.
#include "runtime/dispatch/generic_kernel.h"

#include <torch/library.h>

#include <optional>

#include "runtime/dispatch/cpu_provider.h"
#include "runtime/graph/record.h"
#include "runtime/graph/capture.h"
#include "runtime/dispatch/plan.h"
#include "runtime/dispatch/providers.h"
#include "runtime/routing/routes.h"
#include "runtime/routing/trace.h"

namespace flagos::dispatch {

void generic_kernel(const c10::OperatorHandle& op, c10::DispatchKeySet /*keys*/, torch::jit::Stack* stack) {
  Plan& plan = plan_for(op);
  const c10::IValue* args = arguments(plan, stack);
  const c10::DeviceIndex device = call_device(plan, args);
  const routing::Route route = routing::route_of(op, plan.route);
  std::optional<routing::TraceCall> trace;
  if (C10_UNLIKELY(routing::tracing())) trace.emplace(op, route.provider, device, args);
  std::optional<graph::Recording> recording;
  if (C10_UNLIKELY(graph::capturing())) recording = graph::Recording::start(op, device, args, plan.num_args);
  switch (route.kind) {
    case routing::Kind::Native:
      run_native(op, plan, device, stack);
      break;
    case routing::Kind::Platform:
      run_platform(op, device, stack);
      break;
    case routing::Kind::NoKernel:
      no_platform_kernel(op);
    case routing::Kind::Kernels:
      run_kernels(op, plan, device, stack);
      break;
    case routing::Kind::Cpu:
      run_on_cpu(op, plan, device, stack);
      break;
  }
  if (C10_UNLIKELY(recording.has_value())) recording->finish(*stack);
}

}  // namespace flagos::dispatch

TORCH_LIBRARY_IMPL(_, PrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&flagos::dispatch::generic_kernel>());
}
