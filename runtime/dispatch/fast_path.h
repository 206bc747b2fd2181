// The fast path: unboxed kernels for the operators that dominate real models (fast_ops.cc lists
// them), which build native aliases and redispatch through the typed dispatcher instead of
// boxing every argument onto a stack (fast_kernel.h is the one template they share).
//
// A fast kernel does what the boxed generic kernel does on the native route, no more, no less:
// the same device check, the same aliases (bridge.h), results mapped back the same way. Whenever
// the call needs anything else it hands the call to the boxed generic kernel unchanged:
//   - the operator's route is not `native` (cpu, flaggems, a provider of yours);
//   - fast_path_allowed() is false: tracing is on, a graph is being captured anywhere in the process
//     (runtime/graph/capture.h: the boxed kernel records the calls), or some part of flagos asked
//     every call to be boxed (a BoxedOnly scope).
#pragma once

#include <torch/library.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/graph/capture.h"
#include "runtime/routing/trace.h"

namespace flagos::dispatch {

// Number of live BoxedOnly scopes, process-wide (read on every fast call).
extern std::atomic<int32_t> g_boxed_only;

// The one check a fast kernel makes before taking its path: false while tracing, while a graph is
// being captured, or while any BoxedOnly scope is alive on any thread. One relaxed load each.
inline bool fast_path_allowed() {
  return g_boxed_only.load(std::memory_order_relaxed) == 0 && !routing::tracing() && !graph::capturing();
}

// While alive, every operator call goes through the boxed generic kernel (its hooks see them all).
// Process-wide on purpose: a capture on one thread must not miss a fast call made on another
// thread into the same stream; nesting and several threads at once are fine.
class BoxedOnly {
 public:
  BoxedOnly() { g_boxed_only.fetch_add(1, std::memory_order_relaxed); }
  ~BoxedOnly() { g_boxed_only.fetch_sub(1, std::memory_order_relaxed); }
  BoxedOnly(const BoxedOnly&) = delete;
  BoxedOnly& operator=(const BoxedOnly&) = delete;
};

// The operators served by a fast kernel in this process, qualified ("aten::add.Tensor"), sorted.
// They count as served by the generic kernel (registration.cc), so they are routed like any other.
std::vector<std::string> fast_ops();

// Registers the fast kernel of every listed operator that `eligible` accepts on `lib` (the load-
// time PrivateUse1 library); returns their qualified names. Called once, by registration.cc.
using Eligible = bool (*)(const c10::OperatorHandle& op);
std::vector<std::string> register_fast_kernels(torch::Library& lib, Eligible eligible);

}  // namespace flagos::dispatch
