#include "runtime/graph/recorder.h"

#include <ATen/Tensor.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <sstream>

#include "runtime/core/caching_allocator.h"
#include "runtime/core/hal_check.h"
#include "runtime/routing/op_names.h"
#include "runtime/routing/routes.h"

namespace flagos::graph {
namespace {

const c10::DispatchKeySet kFlagos(c10::DispatchKey::PrivateUse1);

at::Tensor freeze_tensor(const at::Tensor& t) {
  if (!t.defined()) return t;
  c10::TensorImpl* impl = t.unsafeGetTensorImpl();
  return at::Tensor(impl->shallow_copy_and_detach(impl->version_counter(), /*allow_tensor_metadata_change=*/true));
}

bool is_write(const c10::Argument& a) { return a.alias_info() && a.alias_info()->isWrite(); }

// The out= overload of a functional operator: same leading arguments, then one written argument
// per result ("add.Tensor" -> "add.out", "sum.dim_IntList" -> "sum.IntList_out" is not found).
std::optional<c10::OperatorHandle> out_overload(const c10::OperatorHandle& op) {
  const c10::FunctionSchema& f = op.schema();
  for (const c10::Argument& r : f.returns()) {
    const bool tensors = r.type()->isSubtypeOf(*c10::TensorType::get()) ||
                         r.type()->isSubtypeOf(*c10::ListType::ofTensors());
    if (r.alias_info() || !tensors) {
      return std::nullopt;
    }
  }
  const c10::OperatorName& name = op.operator_name();
  const std::string candidates[] = {name.overload_name.empty() ? "out" : name.overload_name + "_out", "out"};
  for (const std::string& overload : candidates) {
    auto h = c10::Dispatcher::singleton().findOp(c10::OperatorName(name.name, overload));
    if (!h || !h->hasSchema()) continue;
    const c10::FunctionSchema& o = h->schema();
    const size_t n = f.arguments().size();
    if (o.arguments().size() != n + f.returns().size()) continue;
    bool same = true;
    for (size_t i = 0; i < n && same; ++i) {
      same = o.arguments()[i].name() == f.arguments()[i].name() && *o.arguments()[i].type() == *f.arguments()[i].type();
    }
    for (size_t j = 0; j < f.returns().size() && same; ++j) {
      const c10::Argument& a = o.arguments()[n + j];
      same = is_write(a) && *a.type() == *f.returns()[j].type();
    }
    if (same) return h;
  }
  return std::nullopt;
}

bool same_provider(const c10::OperatorHandle& a, const c10::OperatorHandle& b) {
  const routing::Route ra = routing::resolve(a);
  const routing::Route rb = routing::resolve(b);
  return ra.provider == rb.provider && ra.kind == rb.kind;
}

void for_each_tensor(const c10::IValue& v, const std::function<void(const at::Tensor&)>& f) {
  if (v.isTensor()) {
    f(v.toTensor());
  } else if (v.isList()) {
    for (const c10::IValue& e : v.toListRef()) for_each_tensor(e, f);
  }
}

bool any_tensor(const std::vector<c10::IValue>& values) {
  bool found = false;
  for (const c10::IValue& v : values) for_each_tensor(v, [&](const at::Tensor& t) { found = found || t.defined(); });
  return found;
}

// Whether every tensor result shares memory with an argument (a view, or an input handed back).
bool results_alias_args(const std::vector<c10::IValue>& args, const std::vector<c10::IValue>& results) {
  bool all = true;
  for (const c10::IValue& r : results) {
    for_each_tensor(r, [&](const at::Tensor& t) {
      if (!t.defined() || !t.has_storage()) return;
      bool aliased = false;
      for (const c10::IValue& a : args) {
        for_each_tensor(a, [&](const at::Tensor& u) { aliased = aliased || (u.has_storage() && u.is_alias_of(t)); });
      }
      all = all && aliased;
    });
  }
  return all;
}

void copy_into(const c10::IValue& dst, const c10::IValue& src) {
  if (dst.isTensor()) {
    const at::Tensor& d = dst.toTensor();
    const at::Tensor& s = src.toTensor();
    if (!d.defined() || (s.is_alias_of(d) && s.data_ptr() == d.data_ptr() && s.strides() == d.strides())) return;
    d.copy_(s);
  } else if (dst.isList()) {
    const auto ds = dst.toListRef();
    const auto ss = src.toListRef();
    TORCH_INTERNAL_ASSERT(ds.size() == ss.size(), "flagos graph replay: result list changed length");
    for (size_t i = 0; i < ds.size(); ++i) copy_into(ds[i], ss[i]);
  }
}

const char* replay_name(Replay how) {
  switch (how) {
    case Replay::Rerun:
      return "rerun";
    case Replay::Out:
      return "out=";
    case Replay::Copy:
      return "copy";
    case Replay::Skip:
      return "skip";
  }
  return "?";
}

}  // namespace

c10::IValue freeze(const c10::IValue& value) {
  if (value.isTensor()) return freeze_tensor(value.toTensor());
  if (value.isTensorList()) {
    c10::List<at::Tensor> out;
    for (const at::Tensor& t : value.toTensorList()) out.push_back(freeze_tensor(t));
    return out;
  }
  if (value.isList()) {
    const c10::List<c10::IValue> in = value.toList();
    c10::impl::GenericList out(in.elementType());
    for (const c10::IValue& e : in) out.push_back(freeze(e));
    return out;
  }
  return value;
}

void Recorder::add(const c10::OperatorHandle& op, std::vector<c10::IValue> args, std::vector<c10::IValue> results,
                   bool writes_args) {
  Step step{op, std::move(args), {}, Replay::Rerun, routing::full_name(op.operator_name())};
  const c10::FunctionSchema& schema = op.schema();
  bool fresh = !writes_args && any_tensor(results);
  for (const c10::Argument& r : schema.returns()) fresh = fresh && !r.alias_info();
  if (fresh && results_alias_args(step.args, results)) {
    // Every result is a view of (or is) an argument: nothing to write at replay unless the call also
    // writes an argument.
    bool writes = false;
    for (const c10::Argument& a : schema.arguments()) writes = writes || is_write(a);
    step.how = writes ? Replay::Rerun : Replay::Skip;
  } else if (fresh) {
    std::vector<c10::IValue> frozen;
    frozen.reserve(results.size());
    for (const c10::IValue& r : results) frozen.push_back(freeze(r));
    const std::optional<c10::OperatorHandle> out = out_overload(op);
    if (out && same_provider(op, *out)) {
      step.op = *out;
      for (c10::IValue& r : frozen) step.args.push_back(std::move(r));
      step.how = Replay::Out;
    } else {
      step.results = std::move(frozen);
      step.how = Replay::Copy;
    }
  } else if (!writes_args) {
    bool views = any_tensor(results);
    for (const c10::Argument& r : schema.returns()) views = views && r.alias_info() && !r.alias_info()->isWrite();
    if (views) step.how = Replay::Skip;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  steps_.push_back(std::move(step));
}

void Recorder::preserve(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage() || t.device().type() != c10::DeviceType::PrivateUse1) return;
  const c10::Storage& storage = t.storage();
  const void* data = storage.data();
  if (!data || storage.nbytes() == 0 || caching_allocator().pool_of(data) == pool_) return;  // made by this capture
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Saved& s : saved_) {
    if (s.storage.is_alias_of(storage)) return;
  }
  Saved saved{storage, std::vector<uint8_t>(storage.nbytes())};
  FLAGOS_HAL_CHECK(flagos_hal_memcpy(saved.bytes.data(), data, storage.nbytes(), FLAGOS_HAL_DEVICE_TO_HOST));
  saved_.push_back(std::move(saved));
}

void Recorder::restore() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Saved& s : saved_) {
    const size_t n = std::min(s.bytes.size(), s.storage.nbytes());
    FLAGOS_HAL_CHECK(flagos_hal_memcpy(s.storage.mutable_data(), s.bytes.data(), n, FLAGOS_HAL_HOST_TO_DEVICE));
  }
  saved_.clear();
}

void Recorder::fail(const std::string& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (failure_.empty()) failure_ = why;
}

void Recorder::replay() const {
  std::lock_guard<std::mutex> lock(mutex_);
  TORCH_CHECK(failure_.empty(), "flagos: this graph's capture failed, so it cannot be replayed: ", failure_,
              " (reset() the graph and capture again without that operation)");
  // Below autograd and view tracking: the calls were recorded there.
  const c10::impl::ExcludeDispatchKeyGuard below(c10::autograd_dispatch_keyset_with_ADInplaceOrView);
  torch::jit::Stack stack;
  for (const Step& s : steps_) {
    if (s.how == Replay::Skip) continue;
    stack.assign(s.args.begin(), s.args.end());
    s.op.redispatchBoxed(kFlagos, &stack);
    if (s.how == Replay::Copy) {
      const size_t n = s.results.size();
      TORCH_INTERNAL_ASSERT(stack.size() >= n, "flagos graph replay: ", s.name, " returned too few results");
      for (size_t i = 0; i < n; ++i) copy_into(s.results[i], stack[stack.size() - n + i]);
    }
    stack.clear();
  }
}

size_t Recorder::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return steps_.size();
}

std::string Recorder::dump() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  out << "# flagos recorded graph: " << steps_.size() << " calls\n";
  if (!failure_.empty()) out << "# capture failed: " << failure_ << "\n";
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    out << i << "\t" << replay_name(s.how) << "\t" << s.name;
    if (s.how == Replay::Out) out << " -> " << routing::full_name(s.op.operator_name());
    out << "\t(";
    bool first = true;
    for (const c10::IValue& a : s.args) {
      out << (first ? "" : ", ");
      first = false;
      if (a.isTensor() && a.toTensor().defined()) {
        const at::Tensor& t = a.toTensor();
        out << t.scalar_type() << t.sizes() << "@" << t.data_ptr();
      } else if (a.isTensor()) {
        out << "None";
      } else if (a.isList()) {
        out << "[" << a.toListRef().size() << " items]";
      } else {
        out << a;
      }
    }
    out << ")\n";
  }
  return out.str();
}

}  // namespace flagos::graph
