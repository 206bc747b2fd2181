// flagos random number generators: one default generator per device plus user-created ones
// (torch.Generator(device="flagos")). Each wraps an "engine": a generator of the native device
// (host: CPUGeneratorImpl) that native random kernels draw from, so flagos random ops produce
// exactly the native device's numbers for the same seed. The zero-copy bridge hands the engine to
// native kernels in place of the flagos generator (or of None, which means the default one).
#pragma once

#include <ATen/core/Generator.h>
#include <c10/core/GeneratorImpl.h>

namespace flagos {

class FlagosGenerator final : public c10::GeneratorImpl {
 public:
  FlagosGenerator(c10::DeviceIndex device, uint64_t seed);

  void set_current_seed(uint64_t seed) override;
  uint64_t current_seed() const override;
  uint64_t seed() override;
  void set_offset(uint64_t offset) override;
  uint64_t get_offset() const override;
  void set_state(const c10::TensorImpl& state) override;
  c10::intrusive_ptr<c10::TensorImpl> get_state() const override;

  const at::Generator& engine() const { return engine_; }

 private:
  FlagosGenerator(c10::DeviceIndex device, at::Generator engine);
  FlagosGenerator* clone_impl() const override;
  std::mutex& engine_mutex() const { return engine_.unsafeGetGeneratorImpl()->mutex_; }

  at::Generator engine_;
};

// The default generator of flagos device `device` (-1: current device).
const at::Generator& default_generator(c10::DeviceIndex device);
at::Generator new_generator(c10::DeviceIndex device);

// The native generator to hand to a native kernel for `gen` (an optional flagos generator) on
// flagos device `device`; throws if `gen` belongs to another device type.
at::Generator engine_for(const std::optional<at::Generator>& gen, c10::DeviceIndex device);

}  // namespace flagos
