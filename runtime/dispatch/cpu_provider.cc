#include "runtime/dispatch/cpu_provider.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/_to_copy.h>
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>
#include <c10/util/SmallVector.h>

#include <optional>
#include <utility>

#include "runtime/core/device.h"
#include "runtime/core/generator.h"
#include "runtime/core/platform.h"
#include "runtime/routing/op_names.h"

namespace flagos::dispatch {
namespace {

at::Tensor to_cpu(const at::Tensor& t) { return at::_to_copy(t, at::TensorOptions().device(c10::kCPU)); }

at::Tensor to_device(const at::Tensor& cpu, c10::DeviceIndex device) {
  return at::_to_copy(cpu, at::TensorOptions().device(c10::Device(kDeviceType, device)));
}

// A CPU generator drawing from flagos' generator `gen` (None: the default one) of `device`.
at::Generator cpu_generator(const std::optional<at::Generator>& gen, c10::DeviceIndex device) {
  at::Generator engine = engine_for(gen, device);
  if (engine.device().is_cpu()) return engine;  // host platform: the engine is a CPU generator
  at::Tensor draw;
  {
    platform::NativeScope scope(device);
    draw = at::empty({1}, at::TensorOptions().dtype(at::kLong).device(platform::native_device(device)));
    draw.random_(engine);
  }
  return at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(draw.item<int64_t>()));
}

struct Written {
  at::Tensor flagos;
  at::Tensor cpu;
};

void copy_back(const Written& w) {
  if (w.flagos.sizes() != w.cpu.sizes()) w.flagos.resize_(w.cpu.sizes());
  w.flagos.copy_(w.cpu);
}

}  // namespace

bool writes_unannotated(const c10::FunctionSchema& schema, const c10::Argument& arg) {
  return schema.name() == "aten::native_batch_norm" && (arg.name() == "running_mean" || arg.name() == "running_var");
}

std::string cpu_unsupported_reason(const c10::FunctionSchema& schema) {
  for (const c10::Argument& r : schema.returns()) {
    if (r.alias_info() && !r.alias_info()->isWrite()) {
      return "it returns a view of its input, and a result computed on the CPU cannot alias flagos memory";
    }
  }
  for (const c10::Argument& a : schema.arguments()) {
    if (a.type()->kind() == c10::TypeKind::StorageType ||
        (a.type()->kind() == c10::TypeKind::OptionalType &&
         a.type()->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::StorageType)) {
      return "it takes a Storage, which the cpu provider cannot copy";
    }
  }
  return {};
}

void run_on_cpu(const c10::OperatorHandle& op, const Plan& plan, c10::DeviceIndex device, torch::jit::Stack* stack) {
  const c10::FunctionSchema& schema = op.schema();
  if (C10_UNLIKELY(!plan.cpu_runnable)) {
    TORCH_CHECK(false, "flagos: ", routing::full_name(op.operator_name()), " cannot be routed to the cpu provider: ",
                cpu_unsupported_reason(schema), ". Route it to native (", routing::route_variable(op.operator_name()),
                "=native).");
  }
  c10::IValue* args = arguments(plan, stack);

  c10::SmallVector<Written, 2> writes;
  c10::SmallVector<std::pair<size_t, at::Tensor>, 2> written_args;  // argument index -> flagos tensor
  for (const Slot& s : plan.slots) {  // the arguments the plan classified; scalars need nothing
    const size_t i = s.index;
    const bool is_write = s.is_write || s.cpu_write;
    c10::IValue& v = args[i];
    if (v.isTensor()) {
      const at::Tensor t = v.toTensor();
      if (!is_flagos(t)) continue;
      at::Tensor cpu = to_cpu(t);
      if (is_write) {
        writes.push_back(Written{t, cpu});
        written_args.emplace_back(i, t);
      }
      v = std::move(cpu);
    } else if (v.isTensorList()) {
      c10::List<at::Tensor> out;
      for (const at::Tensor& t : v.toTensorList()) {
        if (!is_flagos(t)) {
          out.push_back(t);
          continue;
        }
        at::Tensor cpu = to_cpu(t);
        if (is_write) writes.push_back(Written{t, cpu});
        out.push_back(std::move(cpu));
      }
      v = std::move(out);
    } else if (s.kind == ArgKind::OptionalTensorList && v.isList() && v.toListRef().size() > 0) {
      c10::List<std::optional<at::Tensor>> out;
      for (const c10::IValue& e : v.toListRef()) {
        if (e.isTensor()) {
          out.push_back(is_flagos(e.toTensor()) ? to_cpu(e.toTensor()) : e.toTensor());
        } else {
          out.push_back(std::nullopt);
        }
      }
      v = std::move(out);
    } else if (v.isDevice() && v.toDevice().type() == kDeviceType) {
      v = c10::Device(c10::kCPU);
    } else if (s.kind == ArgKind::Generator && (v.isGenerator() || v.isNone())) {
      v = cpu_generator(v.isGenerator() ? std::optional<at::Generator>(v.toGenerator()) : std::nullopt, device);
    }
  }

  op.redispatchBoxed(c10::DispatchKeySet(c10::DispatchKey::CPU), stack);

  for (const Written& w : writes) copy_back(w);
  c10::IValue* rets = stack->data() + (stack->size() - plan.num_returns);
  for (size_t r = 0; r < plan.num_returns; ++r) {
    const c10::Argument& ret = schema.returns()[r];
    c10::IValue& v = rets[r];
    if (ret.alias_info() && ret.alias_info()->isWrite()) {
      // The mutated argument with the same alias set is the result (in-place and out= operators).
      for (const auto& [index, flagos] : written_args) {
        const c10::AliasInfo* a = schema.arguments()[index].alias_info();
        if (a->beforeSets() == ret.alias_info()->beforeSets()) {
          v = flagos;
          break;
        }
      }
      continue;
    }
    if (v.isTensor()) {
      const at::Tensor t = v.toTensor();
      if (t.defined() && t.device().is_cpu()) v = to_device(t, device);
    } else if (v.isTensorList()) {
      c10::List<at::Tensor> out;
      for (const at::Tensor& t : v.toTensorList()) out.push_back(t.device().is_cpu() ? to_device(t, device) : t);
      v = std::move(out);
    }
  }
}

}  // namespace flagos::dispatch
