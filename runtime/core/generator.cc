#include "runtime/core/generator.h"

#include <ATen/core/DistributionsHelper.h>
#include <c10/util/Exception.h>

#include <array>
#include <mutex>

#include "runtime/core/device.h"
#include "runtime/core/platform.h"
#include "runtime/hal/fork_locks.h"

namespace flagos {
namespace {

// Same initial seed as PyTorch's CPU and CUDA default generators.
constexpr uint64_t kDefaultSeed = c10::default_rng_seed_val;

c10::DispatchKeySet flagos_keys() { return c10::DispatchKeySet(c10::DispatchKey::PrivateUse1); }

}  // namespace

FlagosGenerator::FlagosGenerator(c10::DeviceIndex device, uint64_t seed)
    : FlagosGenerator(device, platform::make_engine(device, seed)) {}

FlagosGenerator::FlagosGenerator(c10::DeviceIndex device, at::Generator engine)
    : c10::GeneratorImpl(c10::Device(kDeviceType, device), flagos_keys()), engine_(std::move(engine)) {}

// Every accessor takes the engine's mutex: native kernels lock it while drawing numbers.
void FlagosGenerator::set_current_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(engine_mutex());
  engine_.set_current_seed(seed);
}

uint64_t FlagosGenerator::current_seed() const {
  std::lock_guard<std::mutex> lock(engine_mutex());
  return engine_.current_seed();
}

uint64_t FlagosGenerator::seed() {
  std::lock_guard<std::mutex> lock(engine_mutex());
  return engine_.seed();
}

void FlagosGenerator::set_offset(uint64_t offset) {
  std::lock_guard<std::mutex> lock(engine_mutex());
  engine_.set_offset(offset);
}

uint64_t FlagosGenerator::get_offset() const {
  std::lock_guard<std::mutex> lock(engine_mutex());
  return engine_.get_offset();
}

void FlagosGenerator::set_state(const c10::TensorImpl& state) {
  std::lock_guard<std::mutex> lock(engine_mutex());
  engine_.unsafeGetGeneratorImpl()->set_state(state);
}

c10::intrusive_ptr<c10::TensorImpl> FlagosGenerator::get_state() const {
  std::lock_guard<std::mutex> lock(engine_mutex());
  return engine_.unsafeGetGeneratorImpl()->get_state();
}

FlagosGenerator* FlagosGenerator::clone_impl() const {
  std::lock_guard<std::mutex> lock(engine_mutex());
  return new FlagosGenerator(device().index(), engine_.clone());
}

const at::Generator& default_generator(c10::DeviceIndex device) {
  static std::array<std::once_flag, kMaxDevices> once;
  static auto* generators = new std::array<at::Generator, kMaxDevices>();  // leaked on purpose
  const c10::DeviceIndex d = device < 0 ? current_device() : device;
  check_device_index(d);
  std::call_once(once[d], [d] {
    (*generators)[d] = at::make_generator<FlagosGenerator>(d, kDefaultSeed);  // never destroyed
    fork_locks::guard((*generators)[d].get<FlagosGenerator>()->engine().unsafeGetGeneratorImpl()->mutex_, fork_locks::kGenerators);
  });
  return (*generators)[d];
}

at::Generator new_generator(c10::DeviceIndex device) {
  const c10::DeviceIndex d = device < 0 ? current_device() : device;
  check_device_index(d);
  return at::make_generator<FlagosGenerator>(d, kDefaultSeed);
}

at::Generator engine_for(const std::optional<at::Generator>& gen, c10::DeviceIndex device) {
  if (!gen.has_value() || !gen->defined()) {
    return default_generator(device).get<FlagosGenerator>()->engine();
  }
  TORCH_CHECK(gen->device().type() == kDeviceType, "Expected a 'flagos' device type for generator but found '",
              gen->device().type(), "'");
  return gen->get<FlagosGenerator>()->engine();
}

}  // namespace flagos
