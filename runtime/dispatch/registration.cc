// Where the generic kernel (generic_kernel.cc) is registered besides the PrivateUse1 fallback.
//
// PyTorch's dispatcher prefers composite kernels to a backend fallback. That is right for most
// composites, but two kinds must go to the generic kernel directly:
//  - composite kernels (CompositeExplicitAutograd[NonFunctional]) of operators the native device
//    also implements itself. The composite is the generic version for devices without a kernel:
//    for add.Tensor or mm it runs a meta function, allocates the output and calls the out= variant
//    through a second dispatch; for the _foreach_* family, native_layer_norm and _fused_rms_norm
//    it is a slow per-tensor or decomposed version of what CUDA does in one fused kernel. Calling
//    the native kernel is faster, and it makes the operator itself (not only its pieces) reach
//    flagos.
//  - composites that pick an implementation by device type and have none for PrivateUse1
//    (convolution -> convolution_overrideable, which only raises).
// The list is computed from the dispatcher when the library loads: one generic mechanism, no
// per-operator code.
#include "runtime/dispatch/registration.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/flat_hash_map.h>

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "runtime/core/platform.h"
#include "runtime/dispatch/fast_path.h"
#include "runtime/dispatch/generic_kernel.h"
#include "runtime/hal/fork_locks.h"
#include "runtime/routing/op_names.h"

namespace flagos::dispatch {
namespace {

// Composites that select a backend by device and reject PrivateUse1.
constexpr const char* kDeviceSelectingComposites[] = {"aten::convolution", "aten::convolution_backward"};

// Operators that move data between devices (every overload): one operand may be a CPU tensor, which
// neither the generic kernel nor a kernel provider accepts. flagos' runtime serves them (copy_ ends
// in its _copy_from), so they are never routed, and never served by the generic kernel.
constexpr const char* kTransferOps[] = {"aten::copy_", "aten::copy", "aten::_copy_from",
                                        "aten::_copy_from_and_resize", "aten::_to_copy"};

bool is_transfer(const c10::OperatorName& name) {
  for (const char* op : kTransferOps) {
    if (name.name == op) return true;
  }
  return false;
}

// True when a composite kernel would serve flagos instead of the native kernel: an explicit
// composite (CompositeExplicitAutograd[NonFunctional]), or an implicit one (a decomposition, e.g.
// _fused_rms_norm's) of an operator that has its own autograd formula. Without that formula a
// direct kernel would leave the operator without autograd, so those stay decomposed.
bool shadowed_by_composite(const c10::OperatorHandle& op) {
  return op.hasKernelForDispatchKey(c10::DispatchKey::CompositeExplicitAutogradNonFunctional) ||
         op.hasKernelForDispatchKey(c10::DispatchKey::CompositeExplicitAutograd) ||
         (op.hasKernelForDispatchKey(c10::DispatchKey::CompositeImplicitAutograd) &&
          op.hasKernelForDispatchKey(c10::DispatchKey::Autograd));
}

// The operator's name inside its namespace, as torch::Library::impl takes it ("add.Tensor").
std::string unqualified(const c10::OperatorName& name) {
  const std::string full = routing::full_name(name);
  return full.substr(full.find("::") + 2);
}

// Whether the generic kernel would serve `op` on the native route, so its fast kernel may (fast_path.h):
// the native device implements it, flagos has no kernel of its own for it, it moves no data between
// devices, and it is not a decomposition without an autograd formula (whose parts are routed).
bool fast_eligible(const c10::OperatorHandle& op) {
  return op.hasKernelForDispatchKey(platform::native_dispatch_key()) &&
         !op.hasKernelForDispatchKey(c10::DispatchKey::PrivateUse1) && !is_transfer(op.operator_name()) &&
         !(op.hasKernelForDispatchKey(c10::DispatchKey::CompositeImplicitAutograd) &&
           !op.hasKernelForDispatchKey(c10::DispatchKey::Autograd));
}

torch::CppFunction generic() { return torch::CppFunction::makeFromBoxedFunction<&generic_kernel>(); }

// Operators whose PrivateUse1 kernel is the generic kernel, by qualified name: those registered at
// load, and those given it for a route (serve_directly), whose registration is dropped again
// (unserve) when the route ends, so that the composite serves them as before.
struct State {
  std::mutex mutex;
  struct Queued {
    std::string op;
    torch::CppFunction kernel;
    bool unless_native;  // register_at_load_unless_native
  };
  std::vector<Queued> queued;
  ska::flat_hash_set<std::string> direct;
  ska::flat_hash_map<std::string, std::unique_ptr<torch::Library>> routed;  // dropping one unregisters it
};

State& state() {
  static auto* s = [] {
    auto* st = new State();  // leaked: registrations outlive static destruction
    fork_locks::guard(st->mutex, fork_locks::kRegistration);
    return st;
  }();
  return *s;
}

torch::Library* register_all(int64_t* count) {
  auto* lib = new torch::Library(torch::Library::IMPL, "aten", c10::DispatchKey::PrivateUse1, __FILE__, __LINE__);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  for (State::Queued& q : s.queued) {
    if (q.unless_native) {
      const auto op = routing::find_op("aten::" + q.op);
      if (op && op->hasKernelForDispatchKey(platform::native_dispatch_key())) continue;  // the native one serves
    }
    lib->impl(q.op.c_str(), std::move(q.kernel));
  }
  s.queued.clear();
  // Fast kernels first (where ATen can read flagos memory): the loop below skips what they serve.
  if (platform::native_aliases_readable()) {
    for (std::string& name : register_fast_kernels(*lib, &fast_eligible)) s.direct.insert(std::move(name));
  }
  const c10::DispatchKey native = platform::native_dispatch_key();
  auto& dispatcher = c10::Dispatcher::singleton();
  auto give_generic = [&](const c10::OperatorName& name) {
    lib->impl(unqualified(name).c_str(), generic());
    s.direct.insert(routing::full_name(name));
    ++*count;
  };
  for (const c10::OperatorName& name : dispatcher.getAllOpNames()) {
    if (name.name.rfind("aten::", 0) != 0) continue;
    const auto op = dispatcher.findOp(name);
    if (!op || op->hasKernelForDispatchKey(c10::DispatchKey::PrivateUse1) || is_transfer(name)) continue;
    if (shadowed_by_composite(*op) && op->hasKernelForDispatchKey(native)) give_generic(name);
  }
  for (const char* qualified_name : kDeviceSelectingComposites) {
    const auto op = routing::find_op(qualified_name);
    if (!op || op->hasKernelForDispatchKey(c10::DispatchKey::PrivateUse1)) continue;  // registered above
    give_generic(op->operator_name());
  }
  return lib;
}

Serving serving_locked(const c10::OperatorHandle& op, const State& s) {
  if (is_transfer(op.operator_name())) return Serving::Runtime;
  if (s.direct.count(routing::full_name(op.operator_name()))) return Serving::Generic;
  if (op.hasKernelForDispatchKey(c10::DispatchKey::PrivateUse1)) return Serving::Runtime;
  if (shadowed_by_composite(op)) return Serving::Composite;
  if (op.hasKernelForDispatchKey(c10::DispatchKey::CompositeImplicitAutograd)) return Serving::Decomposed;
  return Serving::Generic;
}

}  // namespace

void register_at_load(const char* op, torch::CppFunction kernel) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.queued.push_back(State::Queued{op, std::move(kernel), false});
}

void register_at_load_unless_native(const char* op, torch::CppFunction kernel) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.queued.push_back(State::Queued{op, std::move(kernel), true});
}

int64_t register_load_time_kernels() {
  // Runs once, after every static registration of the library (explicit kernels keep priority:
  // operators that already have a PrivateUse1 kernel are skipped).
  static int64_t count = 0;
  static torch::Library* lib = register_all(&count);
  (void)lib;
  return count;
}

const char* serving_name(Serving s) {
  switch (s) {
    case Serving::Generic:
      return "generic";
    case Serving::Composite:
      return "composite";
    case Serving::Decomposed:
      return "decomposed";
    case Serving::Runtime:
      return "runtime";
    case Serving::Unknown:
      return "unknown";
  }
  return "unknown";
}

Serving serving(const std::string& op) {
  const auto handle = routing::find_op(op);
  if (!handle) return Serving::Unknown;
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return serving_locked(*handle, s);
}

void serve_directly(const std::string& op) {
  const auto handle = routing::find_op(op);
  TORCH_CHECK(handle, "flagos: no operator ", op);
  // One lock over check and registration: two threads routing the same operator register it once.
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  const Serving status = serving_locked(*handle, s);
  if (status == Serving::Generic) return;  // the generic kernel serves it already
  TORCH_CHECK(status == Serving::Composite, "flagos: ", op, " cannot be given the generic kernel (it is ",
              serving_name(status), ")");
  const c10::OperatorName& name = handle->operator_name();
  const std::string ns = name.name.substr(0, name.name.find("::"));
  auto lib = std::make_unique<torch::Library>(torch::Library::IMPL, ns, c10::DispatchKey::PrivateUse1, __FILE__,
                                              __LINE__);
  lib->impl(unqualified(name).c_str(), generic());
  s.direct.insert(routing::full_name(name));
  s.routed.emplace(routing::full_name(name), std::move(lib));
}

void unserve(const std::string& op) {
  const auto handle = routing::find_op(op);
  if (!handle) return;
  const std::string name = routing::full_name(handle->operator_name());
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.routed.find(name);
  if (it == s.routed.end()) return;  // registered at load (or never): stays as it is
  s.routed.erase(it);
  s.direct.erase(name);
}

}  // namespace flagos::dispatch
