// The runtime's Python-facing functions, exposed as torch.ops.flagos.* through TORCH_LIBRARY.
//
// flagos' native library never touches the CPython API (no Python.h, no pybind11): PyTorch's
// operator registry carries the calls, so one library serves every CPython 3.x that has the torch
// it was built against. flagos/_runtime.py is the only Python module that calls these.
#include <ATen/core/Generator.h>
#include <c10/core/DeviceGuard.h>
#include <torch/library.h>

#include <string>
#include <tuple>

#include "runtime/core/device.h"
#include "runtime/core/generator.h"
#include "runtime/core/hal_check.h"
#include "runtime/core/pinned_allocator.h"
#include "runtime/core/platform.h"
#include "runtime/dispatch/bridge.h"
#include "runtime/dispatch/fast_path.h"
#include "runtime/dispatch/registration.h"
#include "runtime/hal/fork_locks.h"

namespace flagos {
namespace {

std::string platform_name() { return flagos_hal_platform(); }

int64_t count() { return device_count(); }

std::tuple<std::string, int64_t, int64_t, int64_t, int64_t> device_properties(int64_t device) {
  check_device_index(static_cast<c10::DeviceIndex>(device));
  flagos_hal_device_properties props{};
  FLAGOS_HAL_CHECK(flagos_hal_get_device_properties(static_cast<int>(device), &props));
  return {std::string(props.name), static_cast<int64_t>(props.total_memory), props.major, props.minor,
          props.multi_processor_count};
}

at::Generator default_generator_of(int64_t device) {
  return default_generator(static_cast<c10::DeviceIndex>(device));
}

c10::Dict<std::string, int64_t> bridge_stats() {
  const bridge::Stats s = bridge::stats();
  c10::Dict<std::string, int64_t> out;
  out.insert("adopted_outputs", s.adopted_outputs);
  out.insert("copied_outputs", s.copied_outputs);
  return out;
}

void empty_host_cache() { pinned_allocator().empty_cache(); }

void check_native_aliases(const char* what) {
  TORCH_CHECK(platform::native_aliases_readable(), "flagos.", what, " is not available on the ", flagos_hal_platform(),
              " platform: ATen cannot read its device memory, so there are no native aliases of it");
}

// Zero-copy hand-over between flagos tensors and the native device, for Python-side providers
// and collective engines: same memory, native device type.
// The bridge operators alias memory across devices, which a traced graph cannot represent: under
// torch.compile they would see fake tensors (no data) and fail deep inside; say what to do instead.
void check_not_traced(const at::Tensor& t, const char* op) {
  TORCH_CHECK(!t.key_set().has(c10::DispatchKey::Python), "torch.ops.flagos.", op,
              " cannot be traced by torch.compile (it got a fake or functional tensor): it aliases memory across "
              "devices, which a compiled graph cannot represent. Call it outside the compiled region, e.g. in a "
              "function decorated with @torch.compiler.disable.");
}

at::Tensor to_native(const at::Tensor& self) {
  check_not_traced(self, "to_native");
  TORCH_CHECK(self.device().type() == kDeviceType, "flagos.to_native expects a flagos tensor, got one on ",
              self.device().str());
  check_native_aliases("to_native");
  bridge::Call call(self.device().index());
  return call.to_native(self);
}

// A native tensor as a flagos tensor on `device`: aliases of flagos memory map back to it, flagos
// pool memory is adopted, anything else is copied into flagos memory.
at::Tensor from_native(const at::Tensor& native, int64_t device) {
  const auto index = static_cast<c10::DeviceIndex>(device);
  check_device_index(index);
  check_native_aliases("from_native");
  check_not_traced(native, "from_native");
  TORCH_CHECK(native.device().type() == platform::native_device(index).type(), "flagos.from_native expects a ",
              platform::native_device(index).type(), " tensor, got one on ", native.device().str());
  bridge::Call call(index);
  return call.to_flagos(native);
}

int64_t forks_in_ancestry() { return fork_locks::forks_in_ancestry(); }

void set_bad_fork(const std::string& reason) { fork_locks::set_bad_fork(reason.c_str()); }

}  // namespace
}  // namespace flagos

TORCH_LIBRARY(flagos, m) {
  m.def("platform() -> str", &flagos::platform_name);
  m.def("native_aliases_readable() -> bool", &flagos::platform::native_aliases_readable);
  m.def("device_count() -> int", &flagos::count);
  m.def("device_properties(int device) -> (str, int, int, int, int)", &flagos::device_properties);
  m.def("default_generator(int device) -> Generator?", &flagos::default_generator_of);
  m.def("bridge_stats() -> Dict(str, int)", &flagos::bridge_stats);
  m.def("empty_host_cache() -> ()", &flagos::empty_host_cache);
  m.def("_register_direct_kernels() -> int", &flagos::dispatch::register_load_time_kernels);
  m.def("_fast_ops() -> str[]", &flagos::dispatch::fast_ops);
  m.def("to_native(Tensor(a) self) -> Tensor(a)", &flagos::to_native);
  m.def("from_native(Tensor(a) native, int device) -> Tensor(a)", &flagos::from_native);
  m.def("_forks_in_ancestry() -> int", &flagos::forks_in_ancestry);
  m.def("_set_bad_fork(str reason) -> ()", &flagos::set_bad_fork);
}
