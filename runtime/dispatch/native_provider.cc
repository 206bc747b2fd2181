// The native provider: the platform's ATen kernels run on native aliases of flagos memory (the
// bridge, bridge.h), results mapped back by identity. The kernel provider shares this path.
#include <c10/util/Exception.h>
#include <c10/util/SmallVector.h>

#include <optional>
#include <string>
#include <utility>

#include "runtime/core/device.h"
#include "runtime/core/generator.h"
#include "runtime/core/platform.h"
#include "runtime/dispatch/bridge.h"
#include "runtime/dispatch/providers.h"
#include "runtime/hal/flagos_hal.h"
#include "runtime/routing/op_names.h"

namespace flagos::dispatch {

void no_native_kernel(const c10::OperatorHandle& op, c10::DeviceIndex device, const c10::NotImplementedError& e) {
  const std::string native_error = e.msg();
  TORCH_CHECK_NOT_IMPLEMENTED(false, "flagos: ", routing::full_name(op.operator_name()),
                              " has no kernel on the native device of the ", flagos_hal_platform(), " platform (",
                              platform::native_device(device).type(),
                              "), so it cannot run on flagos tensors. Native error: ",
                              native_error.substr(0, native_error.find(". ") + 1));
}

void run_bridged(const c10::OperatorHandle& op, const Plan& plan, c10::DeviceIndex device,
                 c10::DispatchKeySet keys, torch::jit::Stack* stack) {
  c10::IValue* args = arguments(plan, stack);
  bridge::Call call(device);
  c10::SmallVector<std::pair<at::Tensor, at::Tensor>, 2> writes;  // (flagos, native alias)
  for (const Slot& s : plan.slots) {
    c10::IValue& v = args[s.index];
    switch (s.kind) {
      case ArgKind::Tensor:
        if (v.isTensor() && is_flagos(v.toTensor())) {
          at::Tensor native = call.to_native(v.toTensor());
          if (s.is_write) writes.emplace_back(v.toTensor(), native);
          v = std::move(native);
        }
        break;
      case ArgKind::TensorList:
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
      case ArgKind::OptionalTensorList:
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
      case ArgKind::Device:
        if (v.isDevice() && v.toDevice().type() == kDeviceType) {
          const c10::Device d = v.toDevice();
          v = platform::native_device(d.has_index() ? d.index() : device);
        }
        break;
      case ArgKind::Generator:
        if (v.isNone() || v.isGenerator()) {
          v = engine_for(v.isGenerator() ? std::optional<at::Generator>(v.toGenerator()) : std::nullopt, device);
        }
        break;
      case ArgKind::Storage:
        if (v.isStorage() && v.toStorage().device().type() == kDeviceType) v = call.to_native(v.toStorage());
        break;
    }
  }

  {
    platform::NativeScope scope(device);
    try {
      op.redispatchBoxed(keys, stack);
    } catch (const c10::NotImplementedError& e) {
      if (keys != platform::native_dispatch_keys()) throw;
      no_native_kernel(op, device, e);
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

void run_native(const c10::OperatorHandle& op, const Plan& plan, c10::DeviceIndex device, torch::jit::Stack* stack) {
  run_bridged(op, plan, device, platform::native_dispatch_keys(), stack);
}

}  // namespace flagos::dispatch
