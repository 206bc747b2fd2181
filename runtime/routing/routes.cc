#include "runtime/routing/routes.h"

#include <c10/util/Exception.h>
#include <c10/util/flat_hash_map.h>

#include <array>
#include <mutex>
#include <shared_mutex>

#include "runtime/core/platform.h"
#include "runtime/hal/fork_locks.h"
#include "runtime/routing/op_names.h"

namespace flagos::routing {

std::atomic<uint64_t> table_generation{1};

namespace {

struct Table {
  std::shared_mutex mutex;
  std::vector<std::string> names{"native", "cpu"};
  std::vector<Kind> kinds{Kind::Native, Kind::Cpu};
  ska::flat_hash_map<std::string, uint16_t> routes;
  std::vector<uint16_t> default_policy;
};

Table& table() {
  static auto* t = [] {
    auto* table = new Table();  // leaked: kernels may run during static destruction
    fork_locks::guard(table->mutex, fork_locks::kRouting);
    return table;
  }();
  return *t;
}

uint16_t checked_id(int64_t id, size_t count, const char* what) {
  TORCH_CHECK(id >= 0 && static_cast<size_t>(id) < count, "flagos routing: ", what, " names provider id ", id,
              " but only ", count, " providers are registered");
  return static_cast<uint16_t>(id);
}

// Whether a built-in provider can run `op` (composite kernels count: they run on its device).
bool implements(Kind kind, const c10::OperatorHandle& op) {
  switch (kind) {
    case Kind::Native:
      // Platform kernels count only where registered for the operator itself: a composite kernel
      // would run the operator's parts on flagos tensors, which routing already covers.
      return platform::native_aliases_readable() ? op.hasComputedKernelForDispatchKey(native_kernel_key())
                                                 : op.hasKernelForDispatchKey(kPlatformKey);
    case Kind::Cpu:
      return op.hasComputedKernelForDispatchKey(c10::DispatchKey::CPU);
    case Kind::Kernels:
      return false;  // their operators are listed explicitly (flagos/routing resolves them)
    case Kind::NoKernel:
    case Kind::Platform:
      return false;  // never a provider's kind: resolve() gives native routes these kinds
  }
  return false;
}

}  // namespace

c10::DispatchKey native_kernel_key() {
  static const c10::DispatchKey key = platform::native_aliases_readable() ? platform::native_dispatch_key() : kPlatformKey;
  return key;
}

void set_providers(const std::vector<std::string>& names, const std::vector<int64_t>& kinds) {
  TORCH_CHECK(names.size() == kinds.size(), "flagos routing: ", names.size(), " provider names but ", kinds.size(),
              " kinds");
  TORCH_CHECK(names.size() >= 2 && names[0] == "native" && names[1] == "cpu" && kinds[0] == 0 && kinds[1] == 1,
              "flagos routing: providers 0 and 1 must be the built-in native and cpu providers");
  TORCH_CHECK(names.size() <= kMaxProviders, "flagos routing: at most ", kMaxProviders, " providers, got ",
              names.size());
  Table& t = table();
  std::unique_lock<std::shared_mutex> lock(t.mutex);
  TORCH_CHECK(names.size() >= t.names.size(), "flagos routing: providers cannot be removed");
  std::vector<Kind> k;
  for (int64_t kind : kinds) {
    TORCH_CHECK(kind >= 0 && kind <= 2, "flagos routing: unknown provider kind ", kind);
    k.push_back(static_cast<Kind>(kind));
  }
  t.names = names;
  t.kinds = std::move(k);
  table_generation.fetch_add(1, std::memory_order_acq_rel);
}

void set_table(const std::vector<std::string>& ops, const std::vector<int64_t>& providers,
               const std::vector<int64_t>& default_policy) {
  TORCH_CHECK(ops.size() == providers.size(), "flagos routing: ", ops.size(), " operators but ", providers.size(),
              " providers");
  Table& t = table();
  std::unique_lock<std::shared_mutex> lock(t.mutex);
  ska::flat_hash_map<std::string, uint16_t> routes;
  routes.reserve(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) routes[ops[i]] = checked_id(providers[i], t.names.size(), ops[i].c_str());
  std::vector<uint16_t> policy;
  for (int64_t id : default_policy) policy.push_back(checked_id(id, t.names.size(), "the default policy"));
  t.routes = std::move(routes);
  t.default_policy = std::move(policy);
  table_generation.fetch_add(1, std::memory_order_acq_rel);
}

namespace {

Route lookup(const c10::OperatorHandle& op) {
  Table& t = table();
  std::shared_lock<std::shared_mutex> lock(t.mutex);
  if (!t.routes.empty()) {
    auto hit = t.routes.find(full_name(op.operator_name()));
    if (hit != t.routes.end()) return Route{hit->second, t.kinds[hit->second]};
  }
  for (uint16_t id : t.default_policy) {
    if (implements(t.kinds[id], op)) return Route{id, t.kinds[id]};
  }
  return Route{kNative, Kind::Native};
}

}  // namespace

Route resolve(const c10::OperatorHandle& op) {
  Route route = lookup(op);
  if (route.kind == Kind::Native && !platform::native_aliases_readable()) {
    route.kind = implements(Kind::Native, op) ? Kind::Platform : Kind::NoKernel;
  }
  return route;
}

std::string provider_name(uint16_t id) {
  Table& t = table();
  std::shared_lock<std::shared_mutex> lock(t.mutex);
  return id < t.names.size() ? t.names[id] : "provider#" + std::to_string(id);
}

}  // namespace flagos::routing
