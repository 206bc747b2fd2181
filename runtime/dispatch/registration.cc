// Where the generic kernel (fallback.cc) is registered besides the PrivateUse1 fallback.
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
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/flat_hash_map.h>
#include <torch/library.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/core/platform.h"
#include "runtime/dispatch/generic_kernel.h"
#include "runtime/dispatch/registration.h"

namespace flagos {
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

c10::DispatchKey native_key() {
  return c10::computeDispatchKey(std::nullopt, c10::kStrided, platform::native_device(0));
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

std::string qualified(const c10::OperatorName& name) {
  return name.overload_name.empty() ? name.name : name.name + "." + name.overload_name;
}

// Operators whose PrivateUse1 kernel is the generic kernel, by qualified name: those registered at
// load, and those given it for a route (serve_directly), whose registration is dropped again
// (unserve) when the route ends, so that the composite serves them as before.
struct Direct {
  std::mutex mutex;
  ska::flat_hash_set<std::string> names;
  ska::flat_hash_map<std::string, std::unique_ptr<torch::Library>> routed;  // dropping one unregisters it
};

Direct& direct() {
  static auto* d = new Direct();
  return *d;
}

void note_direct(const c10::OperatorName& name) {
  std::lock_guard<std::mutex> lock(direct().mutex);
  direct().names.insert(qualified(name));
}

torch::Library* register_direct_kernels(int64_t* count) {
  auto* lib = new torch::Library(torch::Library::IMPL, "aten", c10::DispatchKey::PrivateUse1, __FILE__, __LINE__);
  const c10::DispatchKey native = native_key();
  auto& dispatcher = c10::Dispatcher::singleton();
  for (const c10::OperatorName& name : dispatcher.getAllOpNames()) {
    if (name.name.rfind("aten::", 0) != 0) continue;
    const auto op = dispatcher.findOp(name);
    if (!op || op->hasKernelForDispatchKey(c10::DispatchKey::PrivateUse1) || is_transfer(name)) continue;
    if (shadowed_by_composite(*op) && op->hasKernelForDispatchKey(native)) {
      lib->impl(qualified(name).substr(6).c_str(), torch::CppFunction::makeFromBoxedFunction<&native_fallback>());
      note_direct(name);
      ++*count;
    }
  }
  for (const char* qualified_name : kDeviceSelectingComposites) {
    const auto op = dispatcher.findOp(c10::OperatorName(qualified_name, ""));
    if (!op || op->hasKernelForDispatchKey(c10::DispatchKey::PrivateUse1)) continue;  // registered above
    lib->impl(qualified_name + 6, torch::CppFunction::makeFromBoxedFunction<&native_fallback>());
    note_direct(c10::OperatorName(qualified_name, ""));
    ++*count;
  }
  return lib;
}

// flagos tensors are strided; give sparse and quantized layouts a clear error.
void reject_layout(const c10::OperatorHandle& op, c10::DispatchKeySet keys, torch::jit::Stack*) {
  TORCH_CHECK_NOT_IMPLEMENTED(false, "flagos supports strided (dense) tensors only: ", op.schema().operator_name(),
                              " was called with a ", keys.highestPriorityTypeId(),
                              " tensor. Convert it with .to_dense() (or dequantize()) first.");
}

std::optional<c10::OperatorHandle> find(const std::string& op) {
  const size_t ns = op.find("::");
  const size_t dot = op.find('.', ns == std::string::npos ? 0 : ns + 2);
  c10::OperatorName name(op.substr(0, dot), dot == std::string::npos ? "" : op.substr(dot + 1));
  return c10::Dispatcher::singleton().findOp(name);
}

}  // namespace

std::string routing_status(const std::string& op) {
  const auto handle = find(op);
  if (!handle) return "unknown";
  if (is_transfer(handle->operator_name())) return "runtime";
  {
    std::lock_guard<std::mutex> lock(direct().mutex);
    if (direct().names.count(qualified(handle->operator_name()))) return "generic";
  }
  if (handle->hasKernelForDispatchKey(c10::DispatchKey::PrivateUse1)) return "runtime";
  if (shadowed_by_composite(*handle)) return "composite";
  if (handle->hasKernelForDispatchKey(c10::DispatchKey::CompositeImplicitAutograd)) return "decomposed";
  return "generic";
}

void serve_directly(const std::string& op) {
  // One lock over check and registration: two threads routing the same operator register it once.
  const auto handle = find(op);
  TORCH_CHECK(handle, "flagos: no operator ", op);
  const std::string status = routing_status(op);
  if (status == "generic") return;  // the generic kernel serves it already
  std::lock_guard<std::mutex> lock(direct().mutex);
  if (direct().names.count(qualified(handle->operator_name()))) return;  // another thread was first
  TORCH_CHECK(status == "composite", "flagos: ", op, " cannot be given the generic kernel (it is ", status, ")");
  const c10::OperatorName name = handle->operator_name();
  const std::string ns = name.name.substr(0, name.name.find("::"));
  auto lib = std::make_unique<torch::Library>(torch::Library::IMPL, ns, c10::DispatchKey::PrivateUse1, __FILE__,
                                              __LINE__);
  lib->impl(qualified(name).substr(ns.size() + 2).c_str(),
            torch::CppFunction::makeFromBoxedFunction<&native_fallback>());
  direct().names.insert(qualified(name));
  direct().routed.emplace(qualified(name), std::move(lib));
}

void unserve(const std::string& op) {
  const auto handle = find(op);
  if (!handle) return;
  const std::string name = qualified(handle->operator_name());
  std::lock_guard<std::mutex> lock(direct().mutex);
  auto it = direct().routed.find(name);
  if (it == direct().routed.end()) return;  // registered at load (or never): stays as it is
  direct().routed.erase(it);
  direct().names.erase(name);
}

int64_t register_direct_kernels() {
  // Runs once, after every static registration of the library (explicit kernels keep priority:
  // operators that already have a PrivateUse1 kernel are skipped).
  static int64_t count = 0;
  static torch::Library* lib = register_direct_kernels(&count);
  (void)lib;
  return count;
}

}  // namespace flagos

TORCH_LIBRARY_IMPL(_, SparsePrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&flagos::reject_layout>());
}
TORCH_LIBRARY_IMPL(_, SparseCsrPrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&flagos::reject_layout>());
}
TORCH_LIBRARY_IMPL(_, QuantizedPrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&flagos::reject_layout>());
}
