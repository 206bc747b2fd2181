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

#include "runtime/dispatch/plan.h"

namespace flagos::dispatch {

// Runs the call on `stack` on the CPU; `plan` is op's (its slots say which arguments to copy).
void run_on_cpu(const c10::OperatorHandle& op, const Plan& plan, c10::DeviceIndex device, torch::jit::Stack* stack);

// Why `op` cannot run on the cpu provider (it returns a view of an input: a copy would not alias
// it), or empty when it can.
std::string cpu_unsupported_reason(const c10::FunctionSchema& schema);

// Arguments an operator writes although its schema does not say so (no `!`): their CPU copies
// must go back too. native_batch_norm updates running_mean and running_var in training.
bool writes_unannotated(const c10::FunctionSchema& schema, const c10::Argument& arg);

}  // namespace flagos::dispatch
