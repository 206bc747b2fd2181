// The `cpu` provider: runs an operator called on flagos tensors on the CPU, for operators a
// platform lacks or computes wrongly. Inputs are copied to the host, ATen's CPU kernel runs, and
// what the operator writes or returns is copied back to the flagos device; returns that alias a
// mutated argument (in-place and out= operators) are that flagos argument, as the schema says.
// Random operators draw from the flagos generator: a CPU generator seeded from it per call, so
// flagos.manual_seed governs them and the flagos stream advances.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include <string>

namespace flagos::dispatch {

void run_on_cpu(const c10::OperatorHandle& op, c10::DeviceIndex device, torch::jit::Stack* stack);

// Why `op` cannot run on the cpu provider (it returns a view of an input: a copy would not alias
// it), or empty when it can.
std::string cpu_unsupported_reason(const c10::FunctionSchema& schema);

}  // namespace flagos::dispatch
