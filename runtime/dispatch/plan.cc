#include "runtime/dispatch/plan.h"

#include <c10/util/Exception.h>
#include <c10/util/flat_hash_map.h>

#include <memory>
#include <mutex>
#include <optional>

#include "runtime/dispatch/cpu_provider.h"
#include "runtime/hal/fork_locks.h"

namespace flagos::dispatch {
namespace {

bool classify(const c10::TypePtr& type, ArgKind* kind) {
  switch (type->kind()) {
    case c10::TypeKind::TensorType:
      *kind = ArgKind::Tensor;
      return true;
    case c10::TypeKind::DeviceObjType:
      *kind = ArgKind::Device;
      return true;
    case c10::TypeKind::GeneratorType:
      *kind = ArgKind::Generator;
      return true;
    case c10::TypeKind::StorageType:
      *kind = ArgKind::Storage;
      return true;
    case c10::TypeKind::OptionalType:
      return classify(type->castRaw<c10::OptionalType>()->getElementType(), kind);
    case c10::TypeKind::ListType: {
      const c10::TypePtr& element = type->castRaw<c10::ListType>()->getElementType();
      if (element->kind() == c10::TypeKind::TensorType) {
        *kind = ArgKind::TensorList;
        return true;
      }
      if (element->kind() == c10::TypeKind::OptionalType &&
          element->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::TensorType) {
        *kind = ArgKind::OptionalTensorList;
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
  plan->cpu_runnable = cpu_unsupported_reason(schema).empty();
  for (size_t i = 0; i < schema.arguments().size(); ++i) {
    const c10::Argument& arg = schema.arguments()[i];
    ArgKind kind;
    if (!classify(arg.type(), &kind)) continue;
    const bool is_write = arg.alias_info() && arg.alias_info()->isWrite();
    plan->slots.push_back(Slot{static_cast<uint16_t>(i), kind, is_write, writes_unannotated(schema, arg)});
    if (is_write && i < 64) plan->write_mask |= uint64_t{1} << i;
  }
  return plan;
}

}  // namespace

Plan& plan_for(const c10::OperatorHandle& op) {
  const c10::FunctionSchema* key = &op.schema();
  thread_local ska::flat_hash_map<const c10::FunctionSchema*, Plan*> local;
  auto hit = local.find(key);
  if (hit != local.end()) return *hit->second;
  static auto* mutex = [] {
    auto* m = new std::mutex();  // leaked: registered for fork safety
    fork_locks::guard(*m, fork_locks::kPlans);
    return m;
  }();
  static auto* plans = new ska::flat_hash_map<const c10::FunctionSchema*, std::unique_ptr<Plan>>();
  std::lock_guard<std::mutex> lock(*mutex);
  auto& slot = (*plans)[key];
  if (!slot) slot = make_plan(*key);
  local.emplace(key, slot.get());
  return *slot;
}

void DeviceCheck::tensor(const at::Tensor& t, bool in_index_list) {
  if (!t.defined()) return;
  const c10::Device d = t.device();
  if (d.type() == kDeviceType) {
    tensor_device(d);
    return;
  }
  if (d.is_cpu() && (t.dim() == 0 || in_index_list)) return;
  if (!other_) other_ = d;
}

void DeviceCheck::storage(const c10::Device& d) {
  if (d.type() == kDeviceType) {
    tensor_device(d);
  } else if (!other_) {
    other_ = d;
  }
}

void DeviceCheck::device(const c10::Device& d) {
  if (d.type() == kDeviceType && device_hint_ < 0) device_hint_ = d.has_index() ? d.index() : current_device();
}

c10::DeviceIndex DeviceCheck::finish() {
  const c10::DeviceIndex d = device_ >= 0 ? device_ : (device_hint_ >= 0 ? device_hint_ : current_device());
  if (other_) mismatch(*other_, d);
  return d;
}

void DeviceCheck::mismatch(const c10::Device& other, c10::DeviceIndex self) const {
  const c10::DeviceIndex mine = self >= 0 ? self : device_;
  TORCH_CHECK(false, "Expected all tensors to be on the same device, but found at least two devices, ",
              device_name(mine), " and ", other.str(), "!");
}

c10::DeviceIndex call_device(const Plan& plan, const c10::IValue* args) {
  DeviceCheck check;
  for (const Slot& s : plan.slots) {
    const c10::IValue& v = args[s.index];
    if (v.isTensor()) {
      check.tensor(v.toTensor(), false);
    } else if (v.isTensorList()) {
      for (const at::Tensor& t : v.toTensorList()) check.tensor(t, false);
    } else if (s.kind == ArgKind::OptionalTensorList && v.isList()) {
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

}  // namespace flagos::dispatch
