#include "runtime/dispatch/generic_kernel.h"

#include <c10/util/Exception.h>
#include <c10/util/flat_hash_map.h>
#include <torch/library.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "runtime/core/device.h"
#include "runtime/core/generator.h"
#include "runtime/core/platform.h"
#include "runtime/hal/flagos_hal.h"
#include "runtime/dispatch/bridge.h"
#include "runtime/dispatch/cpu_provider.h"
#include "runtime/routing/routes.h"
#include "runtime/routing/trace.h"

namespace flagos {
namespace {

// What the kernel needs to know about an operator's arguments, computed once per operator.
enum class Kind : uint8_t { Tensor, TensorList, OptionalTensorList, Device, Generator, Storage };

struct Slot {
  uint16_t index;
  Kind kind;
  bool is_write;  // the schema says the kernel may mutate it: Tensor(a!)
};

struct Plan {
  size_t num_args = 0;
  size_t num_returns = 0;
  std::vector<Slot> slots;
  std::atomic<uint64_t> route{0};  // routing::route_of's cache
};

bool classify(const c10::TypePtr& type, Kind* kind) {
  switch (type->kind()) {
    case c10::TypeKind::TensorType:
      *kind = Kind::Tensor;
      return true;
    case c10::TypeKind::DeviceObjType:
      *kind = Kind::Device;
      return true;
    case c10::TypeKind::GeneratorType:
      *kind = Kind::Generator;
      return true;
    case c10::TypeKind::StorageType:
      *kind = Kind::Storage;
      return true;
    case c10::TypeKind::OptionalType:
      return classify(type->castRaw<c10::OptionalType>()->getElementType(), kind);
    case c10::TypeKind::ListType: {
      const c10::TypePtr& element = type->castRaw<c10::ListType>()->getElementType();
      if (element->kind() == c10::TypeKind::TensorType) {
        *kind = Kind::TensorList;
        return true;
      }
      if (element->kind() == c10::TypeKind::OptionalType &&
          element->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::TensorType) {
        *kind = Kind::OptionalTensorList;
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

std::unique_ptr<Plan> make_plan(const c10::FunctionSchema& schema) {
  auto plan = std::make_unique<Plan>();
  plan->num_args = schema.arguments().size();
  plan->num_returns = schema.returns().size();
  for (size_t i = 0; i < schema.arguments().size(); ++i) {
    const c10::Argument& arg = schema.arguments()[i];
    Kind kind;
    if (!classify(arg.type(), &kind)) continue;
    const bool is_write = arg.alias_info() && arg.alias_info()->isWrite();
    plan->slots.push_back(Slot{static_cast<uint16_t>(i), kind, is_write});
  }
  return plan;
}

Plan& plan_for(const c10::OperatorHandle& op) {
  const c10::FunctionSchema* key = &op.schema();
  thread_local ska::flat_hash_map<const c10::FunctionSchema*, Plan*> local;
  auto hit = local.find(key);
  if (hit != local.end()) return *hit->second;
  static std::mutex mutex;
  static auto* plans = new ska::flat_hash_map<const c10::FunctionSchema*, std::unique_ptr<Plan>>();
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = (*plans)[key];
  if (!slot) slot = make_plan(*key);
  local.emplace(key, slot.get());
  return *slot;
}

// Finds the flagos device the call runs on and rejects operands on other devices with the
// message CUDA gives. CPU scalars (0-dim) and CPU index tensors are accepted, as on CUDA.
class DeviceCheck {
 public:
  void tensor(const at::Tensor& t, bool in_index_list) {
    if (!t.defined()) return;
    const c10::Device d = t.device();
    if (d.type() == kDeviceType) {
      tensor_device(d);
      return;
    }
    if (d.is_cpu() && (t.dim() == 0 || in_index_list)) return;
    if (!other_) other_ = d;
  }
  void storage(const c10::Device& d) {
    if (d.type() == kDeviceType) {
      tensor_device(d);
    } else if (!other_) {
      other_ = d;
    }
  }
  void device(const c10::Device& d) {
    if (d.type() == kDeviceType && device_hint_ < 0) device_hint_ = d.has_index() ? d.index() : current_device();
  }
  c10::DeviceIndex finish() {
    const c10::DeviceIndex d = device_ >= 0 ? device_ : (device_hint_ >= 0 ? device_hint_ : current_device());
    if (other_) mismatch(*other_, d);
    return d;
  }

 private:
  void tensor_device(const c10::Device& d) {
    if (device_ < 0) {
      device_ = d.index();
    } else if (d.index() != device_) {
      mismatch(d);
    }
  }
  [[noreturn]] void mismatch(const c10::Device& other, c10::DeviceIndex self = -1) const {
    const c10::DeviceIndex mine = self >= 0 ? self : device_;
    TORCH_CHECK(false, "Expected all tensors to be on the same device, but found at least two devices, ",
                device_name(mine), " and ", other.str(), "!");
  }
  c10::DeviceIndex device_ = -1;
  c10::DeviceIndex device_hint_ = -1;
  std::optional<c10::Device> other_;
};

c10::DispatchKeySet native_keys() {
  static const c10::DispatchKeySet keys(
      c10::computeDispatchKey(std::nullopt, c10::kStrided, platform::native_device(0)));
  return keys;
}

bool is_flagos(const at::Tensor& t) { return t.defined() && t.device().type() == kDeviceType; }

c10::DeviceIndex call_device(const Plan& plan, const c10::IValue* args) {

  DeviceCheck check;
  for (const Slot& s : plan.slots) {
    const c10::IValue& v = args[s.index];
    if (v.isTensor()) {
      check.tensor(v.toTensor(), false);
    } else if (v.isTensorList()) {
      for (const at::Tensor& t : v.toTensorList()) check.tensor(t, false);
    } else if (s.kind == Kind::OptionalTensorList && v.isList()) {
      for (const c10::IValue& e : v.toListRef()) {
        if (e.isTensor()) check.tensor(e.toTensor(), true);
      }
    } else if (v.isDevice()) {
      check.device(v.toDevice());
    } else if (v.isStorage()) {
      check.storage(v.toStorage().device());
    }
  }
  return check.finish();
}

// Runs `op` on native aliases of the flagos arguments with the kernel `keys` selects: the native
// device's (native provider) or a provider kernel on routing::kProviderKey (e.g. FlagGems').
void run_bridged(const c10::OperatorHandle& op, const Plan& plan, c10::DeviceIndex device,
                 c10::DispatchKeySet keys, torch::jit::Stack* stack) {
  c10::IValue* args = stack->data() + (stack->size() - plan.num_args);
  bridge::Call call(device);
  c10::SmallVector<std::pair<at::Tensor, at::Tensor>, 2> writes;  // (flagos, native alias)
  for (const Slot& s : plan.slots) {
    c10::IValue& v = args[s.index];
    switch (s.kind) {
      case Kind::Tensor:
        if (v.isTensor() && is_flagos(v.toTensor())) {
          at::Tensor native = call.to_native(v.toTensor());
          if (s.is_write) writes.emplace_back(v.toTensor(), native);
          v = std::move(native);
        }
        break;
      case Kind::TensorList:
        if (v.isTensorList()) {
          c10::List<at::Tensor> in = v.toTensorList();
          c10::List<at::Tensor> out;
          out.reserve(in.size());
          for (const at::Tensor& t : in) {
            if (!is_flagos(t)) {
              out.push_back(t);
              continue;
            }
            at::Tensor native = call.to_native(t);
            if (s.is_write) writes.emplace_back(t, native);
            out.push_back(std::move(native));
          }
          v = std::move(out);
        }
        break;
      case Kind::OptionalTensorList:
        if (v.isList()) {
          c10::List<std::optional<at::Tensor>> out;
          for (const c10::IValue& e : v.toListRef()) {
            if (e.isTensor() && is_flagos(e.toTensor())) {
              out.push_back(call.to_native(e.toTensor()));
            } else {
              out.push_back(e.isTensor() ? std::optional<at::Tensor>(e.toTensor()) : std::nullopt);
            }
          }
          v = std::move(out);
        }
        break;
      case Kind::Device:
        if (v.isDevice() && v.toDevice().type() == kDeviceType) {
          const c10::Device d = v.toDevice();
          v = platform::native_device(d.has_index() ? d.index() : device);
        }
        break;
      case Kind::Generator:
        if (v.isNone() || v.isGenerator()) {
          v = engine_for(v.isGenerator() ? std::optional<at::Generator>(v.toGenerator()) : std::nullopt, device);
        }
        break;
      case Kind::Storage:
        if (v.isStorage() && v.toStorage().device().type() == kDeviceType) v = call.to_native(v.toStorage());
        break;
    }
  }

  {
    platform::NativeScope scope(device);
    try {
      op.redispatchBoxed(keys, stack);
    } catch (const c10::NotImplementedError& e) {
      if (keys != native_keys()) throw;
      const std::string native_error = e.msg();
      TORCH_CHECK_NOT_IMPLEMENTED(false, "flagos: ", op.schema().operator_name(),
                                  " has no kernel on the native device of the ", flagos_hal_platform(), " platform (",
                                  platform::native_device(device).type(),
                                  "), so it cannot run on flagos tensors. Native error: ",
                                  native_error.substr(0, native_error.find(". ") + 1));
    }
  }

  for (const auto& [flagos, native] : writes) call.sync_back(flagos, native);
  c10::IValue* rets = stack->data() + (stack->size() - plan.num_returns);
  for (size_t i = 0; i < plan.num_returns; ++i) {
    c10::IValue& v = rets[i];
    if (v.isTensor()) {
      v = call.to_flagos(v.toTensor());
    } else if (v.isTensorList()) {
      c10::List<at::Tensor> out;
      for (const at::Tensor& t : v.toTensorList()) out.push_back(call.to_flagos(t));
      v = std::move(out);
    }
  }
}

}  // namespace

void native_fallback(const c10::OperatorHandle& op, c10::DispatchKeySet /*keys*/, torch::jit::Stack* stack) {
  Plan& plan = plan_for(op);
  const c10::IValue* args = stack->data() + (stack->size() - plan.num_args);
  const c10::DeviceIndex device = call_device(plan, args);
  const routing::Route route = routing::route_of(op, plan.route);
  std::optional<routing::TraceCall> trace;
  if (C10_UNLIKELY(routing::tracing())) trace.emplace(op, route.provider, device, args);
  switch (route.kind) {
    case routing::Kind::Native:
      run_bridged(op, plan, device, native_keys(), stack);
      break;
    case routing::Kind::Platform: {
      platform::NativeScope scope(device);
      op.redispatchBoxed(c10::DispatchKeySet(routing::kPlatformKey), stack);
      break;
    }
    case routing::Kind::NoKernel:
      TORCH_CHECK(false, "flagos: ", op.schema().operator_name(), " is routed to the native provider, which has no ",
                  "kernel for it on the ", flagos_hal_platform(), " platform (ATen cannot read this platform's device ",
                  "memory, and kernels/", flagos_hal_platform(), " does not implement it). Route it to cpu (",
                  dispatch::route_variable(op.schema()), "=cpu) or to a provider that implements it.");
    case routing::Kind::Kernels:
      run_bridged(op, plan, device, c10::DispatchKeySet(routing::kProviderKey), stack);
      break;
    case routing::Kind::Cpu:
      dispatch::run_on_cpu(op, device, stack);
      break;
  }
}

}  // namespace flagos

TORCH_LIBRARY_IMPL(_, PrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&flagos::native_fallback>());
}
