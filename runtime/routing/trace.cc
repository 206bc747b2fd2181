#include "runtime/routing/trace.h"

#include <c10/util/flat_hash_map.h>

#include <cmath>
#include <mutex>
#include <sstream>

#include "runtime/core/device.h"
#include "runtime/core/hal_check.h"
#include "runtime/hal/flagos_hal.h"
#include "runtime/hal/fork_locks.h"
#include "runtime/routing/op_names.h"
#include "runtime/routing/routes.h"

namespace flagos::routing {

std::atomic<int> trace_mode{0};

namespace {

struct Totals {
  int64_t calls = 0;
  int64_t ns = 0;
};

struct Key {
  std::string op;
  uint16_t provider;
  std::string signature;
  bool operator==(const Key& o) const { return provider == o.provider && op == o.op && signature == o.signature; }
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    return std::hash<std::string>()(k.op) ^ (std::hash<std::string>()(k.signature) * 31) ^ k.provider;
  }
};

struct Recorder {
  std::mutex mutex;
  ska::flat_hash_map<Key, Totals, KeyHash> rows;
};

Recorder& recorder() {
  static auto* r = [] {
    auto* rec = new Recorder();  // leaked: registered for fork safety
    fork_locks::guard(rec->mutex, fork_locks::kTrace);
    return rec;
  }();
  return *r;
}

void json_string(std::ostringstream& out, const std::string& s) {
  out << '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out << '\\';
    out << c;
  }
  out << '"';
}

void json_tensor(std::ostringstream& out, const at::Tensor& t) {
  if (!t.defined()) {
    out << "null";
    return;
  }
  out << "{\"dtype\":\"" << c10::getDtypeNames(t.scalar_type()).first << "\",\"shape\":[";
  for (int64_t i = 0; i < t.dim(); ++i) out << (i ? "," : "") << t.size(i);
  out << "]";
  if (!t.is_contiguous()) {
    out << ",\"stride\":[";
    for (int64_t i = 0; i < t.dim(); ++i) out << (i ? "," : "") << t.stride(i);
    out << "]";
  }
  if (t.device().type() != kDeviceType) out << ",\"device\":\"" << t.device().str() << "\"";
  out << "}";
}

void json_value(std::ostringstream& out, const c10::IValue& v) {
  if (v.isNone()) {
    out << "null";
  } else if (v.isTensor()) {
    json_tensor(out, v.toTensor());
  } else if (v.isBool()) {
    out << (v.toBool() ? "true" : "false");
  } else if (v.isInt()) {
    out << v.toInt();
  } else if (v.isDouble()) {
    const double d = v.toDouble();
    if (std::isfinite(d)) {
      std::ostringstream num;
      num.precision(17);
      num << d;
      const std::string text = num.str();
      out << text << (text.find_first_of(".e") == std::string::npos ? ".0" : "");
    } else {
      json_string(out, std::isnan(d) ? "nan" : (d > 0 ? "inf" : "-inf"));
    }
  } else if (v.isList()) {
    out << "[";
    bool first = true;
    for (const c10::IValue& e : v.toListRef()) {
      out << (first ? "" : ",");
      first = false;
      json_value(out, e);
    }
    out << "]";
  } else if (v.isString()) {
    json_string(out, v.toStringRef());
  } else {
    std::ostringstream text;
    text << v;
    json_string(out, text.str());
  }
}

}  // namespace

void set_trace_mode(int64_t mode) {
  TORCH_CHECK(mode >= 0 && mode <= 2, "flagos trace: mode must be 0 (off), 1 (count) or 2 (count and time), got ",
              mode);
  trace_mode.store(static_cast<int>(mode), std::memory_order_relaxed);
}

std::vector<TraceRow> take_trace() {
  Recorder& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<TraceRow> out;
  out.reserve(r.rows.size());
  for (const auto& [key, totals] : r.rows) {
    out.emplace_back(key.op, provider_name(key.provider), key.signature, totals.calls, totals.ns);
  }
  r.rows.clear();
  return out;
}

static bool is_scalar_type(const c10::TypePtr& type) {
  if (type->kind() == c10::TypeKind::OptionalType) {
    return is_scalar_type(type->castRaw<c10::OptionalType>()->getElementType());
  }
  return type->kind() == c10::TypeKind::ScalarTypeType;
}

std::string signature(const c10::FunctionSchema& schema, const c10::IValue* args) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < schema.arguments().size(); ++i) {
    out << (i ? "," : "");
    if (args[i].isInt() && is_scalar_type(schema.arguments()[i].real_type())) {
      // dtype arguments travel as ints; name them so a replay can rebuild the dtype
      out << "{\"scalar_type\":\"" << c10::getDtypeNames(static_cast<c10::ScalarType>(args[i].toInt())).first
          << "\"}";
      continue;
    }
    json_value(out, args[i]);
  }
  out << "]";
  return out.str();
}

TraceCall::TraceCall(const c10::OperatorHandle& op, uint16_t provider, c10::DeviceIndex device,
                     const c10::IValue* args)
    : op_(op),
      provider_(provider),
      device_(device),
      signature_(signature(op.schema(), args)),
      timed_(trace_mode.load(std::memory_order_relaxed) == 2) {
  if (timed_) {
    FLAGOS_HAL_CHECK(flagos_hal_device_synchronize(device_));  // earlier work is not this call's
    start_ = std::chrono::steady_clock::now();
  }
}

TraceCall::~TraceCall() {
  int64_t ns = 0;
  if (timed_) {
    (void)flagos_hal_device_synchronize(device_);  // a failure surfaces at the next call
    ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
  }
  Recorder& r = recorder();
  std::lock_guard<std::mutex> lock(r.mutex);
  Totals& t = r.rows[Key{full_name(op_.operator_name()), provider_, std::move(signature_)}];
  ++t.calls;
  t.ns += ns;
}

}  // namespace flagos::routing
