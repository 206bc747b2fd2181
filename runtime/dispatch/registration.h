// Kernel registrations decided at run time, and how each operator is served on flagos tensors.
//
// Registration styles: fixed kernels register statically (TORCH_LIBRARY_IMPL in their own file);
// everything decided at run time goes through this file: kernels that apply on some platforms
// only (register_at_load), the generic kernel for operators whose composites would shadow it
// (computed from the dispatcher when the library loads), and per-route serving (serve_directly).
#pragma once

#include <torch/library.h>

#include <cstdint>
#include <string>

namespace flagos::dispatch {

// Queues a PrivateUse1 kernel for ATen operator `op` ("resize_"), registered by
// register_load_time_kernels. For static initialisers of kernels that exist on some platforms only.
void register_at_load(const char* op, torch::CppFunction kernel);

// The same for a kernel that stands in for one the native device may lack (decomposed RNN cells):
// registered only where the native device has no kernel for `op` (host: CPU lacks the fused RNN
// cells; cuda: CUDA has them, and the generic kernel runs CUDA's). Decided from the dispatcher at
// load, per platform, without #ifdefs.
void register_at_load_unless_native(const char* op, torch::CppFunction kernel);

// Registers the queued kernels, then the generic kernel directly for the operators described in
// registration.cc. Called once after the library's static registrations (flagos' Python loader
// calls it through torch.ops.flagos._register_direct_kernels); later calls do nothing. Returns how
// many operators were given the generic kernel.
int64_t register_load_time_kernels();

// How an operator (qualified: "aten::add.Tensor") is served on flagos tensors, for routing. The
// values are torch.ops.flagos._routing_status' results (flagos/_runtime.py: Serving).
enum class Serving : int64_t {
  Generic = 0,     // the generic kernel serves it: it can be routed
  Composite = 1,   // a composite kernel decomposes it, but it has an autograd formula and can be given
                   // the generic kernel (serve_directly) to be routed as a whole
  Decomposed = 2,  // a decomposition with no autograd formula of its own: its parts are routed
  Runtime = 3,     // flagos' runtime has an explicit kernel for it (views, copies, factories, ...), or
                   // it moves data between devices (copy_, _to_copy, ...)
  Unknown = 4,     // no such operator
};
const char* serving_name(Serving s);
Serving serving(const std::string& op);

// Registers the generic kernel for a Composite operator (nothing to do for Generic ones).
void serve_directly(const std::string& op);

// Drops what serve_directly registered for op: its composite serves it again. Operators given the
// generic kernel at load, or never, are left as they are.
void unserve(const std::string& op);

}  // namespace flagos::dispatch
