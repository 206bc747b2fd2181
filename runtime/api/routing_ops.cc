// torch.ops.flagos.* functions of per-operator routing and tracing (flagos/routing calls them).
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

#include <string>
#include <tuple>
#include <vector>

#include "runtime/dispatch/registration.h"
#include "runtime/dispatch/cpu_provider.h"
#include "runtime/routing/op_names.h"
#include "runtime/routing/routes.h"
#include "runtime/routing/trace.h"

namespace flagos {
namespace {

c10::OperatorHandle find_op(const std::string& op) {
  const auto handle = routing::find_op(op);
  TORCH_CHECK(handle.has_value(), "flagos routing: no operator named ", op);
  return *handle;
}

int64_t routing_status(const std::string& op) { return static_cast<int64_t>(dispatch::serving(op)); }

// The names of dispatch::Serving's values, by value: flagos/_runtime.py checks its mirror against them.
std::vector<std::string> routing_status_names() {
  std::vector<std::string> names;
  for (int64_t v = 0; v <= static_cast<int64_t>(dispatch::Serving::Unknown); ++v) {
    names.emplace_back(dispatch::serving_name(static_cast<dispatch::Serving>(v)));
  }
  return names;
}

void set_providers(std::vector<std::string> names, std::vector<int64_t> kinds) {
  routing::set_providers(names, kinds);
}

void set_table(std::vector<std::string> ops, std::vector<int64_t> providers, std::vector<int64_t> policy) {
  routing::set_table(ops, providers, policy);
}

// The provider that serves `op` now (resolved as a call would resolve it).
std::string route_of(const std::string& op) { return routing::provider_name(routing::resolve(find_op(op)).provider); }

std::string cpu_unsupported(const std::string& op) { return dispatch::cpu_unsupported_reason(find_op(op).schema()); }

// The dispatch key of the native device's kernels ("CPU", "CUDA"): what the native provider runs.
std::string native_dispatch_key() {
  return c10::toString(routing::native_kernel_key());
}

void trace_mode(int64_t mode) { routing::set_trace_mode(mode); }

std::tuple<std::vector<std::string>, std::vector<std::string>, std::vector<std::string>, std::vector<int64_t>,
           std::vector<int64_t>>
take_trace() {
  std::vector<std::string> ops, providers, signatures;
  std::vector<int64_t> calls, ns;
  for (auto& [op, provider, signature, n, t] : routing::take_trace()) {
    ops.push_back(std::move(op));
    providers.push_back(std::move(provider));
    signatures.push_back(std::move(signature));
    calls.push_back(n);
    ns.push_back(t);
  }
  return {ops, providers, signatures, calls, ns};
}

}  // namespace
}  // namespace flagos

TORCH_LIBRARY_FRAGMENT(flagos, m) {
  m.def("_routing_set_providers(str[] names, int[] kinds) -> ()", &flagos::set_providers);
  m.def("_routing_set_table(str[] ops, int[] providers, int[] default_policy) -> ()", &flagos::set_table);
  m.def("_routing_route(str op) -> str", &flagos::route_of);
  m.def("_routing_status(str op) -> int", &flagos::routing_status);
  m.def("_routing_status_names() -> str[]", &flagos::routing_status_names);
  m.def("_routing_serve(str op) -> ()", &flagos::dispatch::serve_directly);
  m.def("_routing_unserve(str op) -> ()", &flagos::dispatch::unserve);
  m.def("_routing_cpu_unsupported(str op) -> str", &flagos::cpu_unsupported);
  m.def("_native_dispatch_key() -> str", &flagos::native_dispatch_key);
  m.def("_trace_mode(int mode) -> ()", &flagos::trace_mode);
  m.def("_trace_take() -> (str[], str[], str[], int[], int[])", &flagos::take_trace);
}
