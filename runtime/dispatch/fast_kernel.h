// The one template behind every fast kernel (fast_path.h): FastKernel<Op>::call, for an ATen
// operator given by its at::_ops struct (at::_ops::add_Tensor). Op::schema is the operator's C++
// signature; each parameter type has a holder (Arg<T>) that presents it to the native kernel
// (flagos tensors become native aliases, devices and generators the native ones, everything else
// passes through), and each result type a mapping back (to_flagos, or by identity for in-place and
// out= results). Nothing here is specific to one operator.
#pragma once

#include <ATen/core/ATen_fwd.h>
#include <ATen/core/IListRef.h>
#include <ATen/core/List.h>
#include <ATen/core/Tensor.h>
#include <ATen/core/boxing/impl/boxing.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/SmallVector.h>

#include <cstdint>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/core/device.h"
#include "runtime/core/generator.h"
#include "runtime/core/platform.h"
#include "runtime/dispatch/bridge.h"
#include "runtime/dispatch/fast_path.h"
#include "runtime/dispatch/generic_kernel.h"
#include "runtime/dispatch/plan.h"
#include "runtime/dispatch/providers.h"
#include "runtime/routing/routes.h"

namespace flagos::dispatch::fast {

// ---- arguments ---------------------------------------------------------------------------------

// Types that carry tensors, devices or generators and therefore need a holder of their own; an
// operator with any other such type cannot be listed (the static_assert below says so).
template <class T>
constexpr bool carries_device_state =
    std::is_same_v<T, at::Tensor> || std::is_same_v<T, std::optional<at::Tensor>> ||
    std::is_same_v<T, at::TensorList> || std::is_same_v<T, at::ITensorListRef> ||
    std::is_same_v<T, c10::List<std::optional<at::Tensor>>> || std::is_same_v<T, c10::List<at::Tensor>> ||
    std::is_same_v<T, std::optional<at::Generator>> || std::is_same_v<T, at::Generator> ||
    std::is_same_v<T, c10::Device> || std::is_same_v<T, std::optional<c10::Device>> ||
    std::is_same_v<T, c10::Storage> || std::is_same_v<T, std::optional<c10::Storage>>;

// Scalars, sizes, dtypes, strings...: passed through. T may be a reference type.
template <class T>
struct Arg {
  static_assert(!carries_device_state<std::decay_t<T>>, "flagos fast path: this argument type needs a holder");
  T value;
  Arg(bridge::Call& /*call*/, T v, bool /*written*/) : value(static_cast<T>(v)) {}
  T get() { return static_cast<T>(value); }
  void after(bridge::Call& /*call*/) {}
  const at::Tensor* source_of(const c10::TensorImpl* /*native*/) const { return nullptr; }
};

// A tensor (const or mutable): its native alias when it is a flagos tensor, itself otherwise (a
// CPU scalar). `written`: the schema says the kernel may mutate it, so it is synchronised back.
template <class Ref>
struct TensorArg {
  Ref* source;
  at::Tensor alias;
  bool written;
  TensorArg(bridge::Call& call, Ref& t, bool w) : source(&t), written(w) {
    if (is_flagos(t)) alias = call.to_native(t);
  }
  Ref& get() { return alias.defined() ? alias : *source; }
  void after(bridge::Call& call) {
    if (written && alias.defined()) call.sync_back(*source, alias);
  }
  const at::Tensor* source_of(const c10::TensorImpl* native) const {
    if (alias.defined() ? alias.unsafeGetTensorImpl() == native : source->unsafeGetTensorImpl() == native) {
      return source;
    }
    return nullptr;
  }
};
template <>
struct Arg<const at::Tensor&> : TensorArg<const at::Tensor> {
  using TensorArg::TensorArg;
};
template <>
struct Arg<at::Tensor&> : TensorArg<at::Tensor> {
  using TensorArg::TensorArg;
};

template <>
struct Arg<const std::optional<at::Tensor>&> {
  const std::optional<at::Tensor>* source;
  std::optional<at::Tensor> alias;
  bool written;
  Arg(bridge::Call& call, const std::optional<at::Tensor>& t, bool w) : source(&t), written(w) {
    if (t.has_value() && is_flagos(*t)) alias = call.to_native(*t);
  }
  const std::optional<at::Tensor>& get() const { return alias.has_value() ? alias : *source; }
  void after(bridge::Call& call) {
    if (written && alias.has_value()) call.sync_back(**source, *alias);
  }
  const at::Tensor* source_of(const c10::TensorImpl* /*native*/) const { return nullptr; }
};

// Lists of tensors (cat's ITensorListRef, the _foreach family's TensorList): a list of aliases.
template <class List>
struct ListArg {
  c10::SmallVector<at::Tensor, 4> sources;  // only filled when written
  c10::SmallVector<at::Tensor, 4> items;
  bool written;
  ListArg(bridge::Call& call, const List& list, bool w) : written(w) {
    for (const at::Tensor& t : list) {
      items.push_back(is_flagos(t) ? call.to_native(t) : t);
      if (written) sources.push_back(t);
    }
  }
  void after(bridge::Call& call) {
    for (size_t i = 0; i < sources.size(); ++i) {
      if (is_flagos(sources[i])) call.sync_back(sources[i], items[i]);
    }
  }
  const at::Tensor* source_of(const c10::TensorImpl* /*native*/) const { return nullptr; }
};
template <>
struct Arg<const at::ITensorListRef&> : ListArg<at::ITensorListRef> {
  using ListArg::ListArg;
  at::ITensorListRef get() const { return at::ITensorListRef(at::ArrayRef<at::Tensor>(items)); }
};
template <>
struct Arg<at::TensorList> : ListArg<at::TensorList> {
  using ListArg::ListArg;
  at::TensorList get() const { return at::TensorList(items); }
};

// Index lists (index.Tensor): a new list only when an element is a flagos tensor.
template <>
struct Arg<const c10::List<std::optional<at::Tensor>>&> {
  using List = c10::List<std::optional<at::Tensor>>;
  const List* source;
  std::optional<List> mapped;
  Arg(bridge::Call& call, const List& list, bool /*written*/) : source(&list) {
    for (size_t i = 0; i < list.size(); ++i) {
      const std::optional<at::Tensor> t = list.get(i);
      if (!t.has_value() || !is_flagos(*t)) continue;
      if (!mapped) mapped.emplace(list.copy());
      mapped->set(i, call.to_native(*t));
    }
  }
  const List& get() const { return mapped ? *mapped : *source; }
  void after(bridge::Call& /*call*/) {}
  const at::Tensor* source_of(const c10::TensorImpl* /*native*/) const { return nullptr; }
};

// A generator: the native engine behind flagos' generator (or the default one), as the boxed path.
template <>
struct Arg<std::optional<at::Generator>> {
  std::optional<at::Generator> engine;
  Arg(bridge::Call& call, std::optional<at::Generator> gen, bool /*written*/)
      : engine(engine_for(gen, call.device())) {}
  std::optional<at::Generator> get() const { return engine; }
  void after(bridge::Call& /*call*/) {}
  const at::Tensor* source_of(const c10::TensorImpl* /*native*/) const { return nullptr; }
};

// ---- the device check over typed arguments (call_device's rules) --------------------------------

template <class T>
void check_device(DeviceCheck& /*check*/, const T& /*arg*/) {}
inline void check_device(DeviceCheck& check, const at::Tensor& t) { check.tensor(t, false); }
inline void check_device(DeviceCheck& check, const std::optional<at::Tensor>& t) {
  if (t.has_value()) check.tensor(*t, false);
}
inline void check_device(DeviceCheck& check, const at::ITensorListRef& list) {
  for (const at::Tensor& t : list) check.tensor(t, false);
}
inline void check_device(DeviceCheck& check, const at::TensorList& list) {
  for (const at::Tensor& t : list) check.tensor(t, false);
}
inline void check_device(DeviceCheck& check, const c10::List<std::optional<at::Tensor>>& list) {
  for (size_t i = 0; i < list.size(); ++i) {
    const std::optional<at::Tensor> t = list.get(i);
    if (t.has_value()) check.tensor(*t, true);
  }
}

// ---- results -----------------------------------------------------------------------------------

// Scalars among the results (SymInt sizes of the attention kernels): as they are.
template <class R>
struct Result {
  static_assert(!carries_device_state<std::decay_t<R>>, "flagos fast path: this result type needs a mapping");
  template <class Holders>
  static R map(bridge::Call& /*call*/, Holders& /*holders*/, R& r) {
    return r;
  }
};
template <>
struct Result<at::Tensor> {
  template <class Holders>
  static at::Tensor map(bridge::Call& call, Holders& /*holders*/, const at::Tensor& r) {
    return call.to_flagos(r);
  }
};
// In-place and out= results: the flagos argument whose alias the kernel returned.
template <class Ref>
struct RefResult {
  template <class Holders>
  static Ref& map(bridge::Call& /*call*/, Holders& holders, Ref& r) {
    const at::Tensor* found = nullptr;
    std::apply([&](auto&... h) { ((found = found ? found : h.source_of(r.unsafeGetTensorImpl())), ...); }, holders);
    TORCH_INTERNAL_ASSERT(found, "flagos fast path: an in-place or out= kernel returned a tensor it was not given");
    return const_cast<Ref&>(*found);
  }
};
template <>
struct Result<at::Tensor&> : RefResult<at::Tensor> {};
template <>
struct Result<const at::Tensor&> : RefResult<const at::Tensor> {};
template <class... Rs>
struct Result<std::tuple<Rs...>> {
  template <class Holders>
  static std::tuple<Rs...> map(bridge::Call& call, Holders& holders, std::tuple<Rs...>& r) {
    return std::apply([&](auto&... e) { return std::tuple<Rs...>(Result<Rs>::map(call, holders, e)...); }, r);
  }
};
template <>
struct Result<std::vector<at::Tensor>> {
  template <class Holders>
  static std::vector<at::Tensor> map(bridge::Call& call, Holders& /*holders*/, const std::vector<at::Tensor>& r) {
    std::vector<at::Tensor> out;
    out.reserve(r.size());
    for (const at::Tensor& t : r) out.push_back(call.to_flagos(t));
    return out;
  }
};

// ---- the kernel --------------------------------------------------------------------------------

// The operator's handle and plan, found once per listed operator.
template <class Op>
struct Entry {
  c10::OperatorHandle op;
  Plan* plan;
  static const Entry& get() {
    static const Entry entry = [] {
      const c10::OperatorHandle op = c10::Dispatcher::singleton().findSchemaOrThrow(Op::name, Op::overload_name);
      return Entry{op, &plan_for(op)};
    }();
    return entry;
  }
};

template <class Op, class Sig = typename Op::schema>
struct FastKernel;

template <class Op, class R, class... Args>
struct FastKernel<Op, R(Args...)> {
  static R call(c10::DispatchKeySet keys, Args... args) {
    const Entry<Op>& e = Entry<Op>::get();
    if (C10_UNLIKELY(!fast_path_allowed()) || routing::route_of(e.op, e.plan->route).kind != routing::Kind::Native) {
      return boxed(e.op, keys, std::forward<Args>(args)...);
    }
    DeviceCheck check;
    (check_device(check, args), ...);
    return run(*e.plan, e.op, check.finish(), std::index_sequence_for<Args...>{}, std::forward<Args>(args)...);
  }

  // The boxed generic kernel, as if this kernel were not registered.
  static R boxed(const c10::OperatorHandle& op, c10::DispatchKeySet keys, Args... args) {
    static const c10::BoxedKernel kernel = c10::BoxedKernel::makeFromFunction<&generic_kernel>();
    return c10::impl::BoxedKernelWrapper<R(Args...)>::call(kernel, op, keys, std::forward<Args>(args)...);
  }

  template <size_t... I>
  static R run(const Plan& plan, const c10::OperatorHandle& op, c10::DeviceIndex device, std::index_sequence<I...>,
               Args... args) {
    bridge::Call call(device);
    // Braced initialisation: aliases are made in argument order, as on the boxed path.
    std::tuple<Arg<Args>...> holders{Arg<Args>(call, std::forward<Args>(args), plan.writes(I))...};
    auto invoke = [&]() -> decltype(auto) {
      platform::NativeScope scope(device);
      try {
        return std::apply([](auto&... h) -> decltype(auto) { return Op::redispatch(platform::native_dispatch_keys(), h.get()...); },
                          holders);
      } catch (const c10::NotImplementedError& err) {
        no_native_kernel(op, device, err);
      }
    };
    if constexpr (std::is_void_v<R>) {
      invoke();
      std::apply([&](auto&... h) { (h.after(call), ...); }, holders);
    } else {
      decltype(auto) native = invoke();
      std::apply([&](auto&... h) { (h.after(call), ...); }, holders);
      return Result<R>::map(call, holders, native);
    }
  }
};

}  // namespace flagos::dispatch::fast
