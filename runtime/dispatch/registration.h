// Registration of the generic kernel for operators whose composite kernels would shadow it.
#pragma once

#include <cstdint>
#include <string>

namespace flagos {

// Registers the generic kernel directly for the operators described in registration.cc. Called
// once after the library's static registrations (flagos' Python loader calls it through
// torch.ops.flagos._register_direct_kernels); later calls do nothing. Returns how many operators.
int64_t register_direct_kernels();

// How an operator (qualified, "aten::add.Tensor") is served on flagos tensors, for routing:
//   generic    the generic kernel (fallback.cc) serves it: it can be routed;
//   composite  a composite kernel decomposes it, but it has an autograd formula and can be given
//              the generic kernel (serve_directly) to be routed as a whole;
//   decomposed a decomposition with no autograd formula of its own: its parts are routed;
//   runtime    flagos' runtime has an explicit kernel for it (views, copies, factories, ...), or it
//              moves data between devices (copy_, _to_copy, ...);
//   unknown    no such operator.
std::string routing_status(const std::string& op);

// Registers the generic kernel for a "composite" operator (idempotent for "generic" ones).
void serve_directly(const std::string& op);

// Drops what serve_directly registered for op: its composite serves it again. Operators given the
// generic kernel at load, or never, are left as they are.
void unserve(const std::string& op);

}  // namespace flagos
