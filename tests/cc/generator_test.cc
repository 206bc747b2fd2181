// flagos generators: the default generator of flagos:0 and the native (CPU) engine behind it.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "runtime/core/generator.h"

namespace {

constexpr c10::DeviceType kType = c10::DeviceType::PrivateUse1;

// Next `n` numbers from a generator whose impl is a CPUGeneratorImpl.
std::vector<uint64_t> draw(const at::Generator& engine, int n) {
  auto* cpu = at::check_generator<at::CPUGeneratorImpl>(engine);
  std::lock_guard<std::mutex> lock(cpu->mutex_);
  std::vector<uint64_t> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(cpu->random());
    out.push_back(cpu->random64());
  }
  return out;
}

std::vector<uint64_t> draw_default(int n) { return draw(flagos::engine_for(std::nullopt, 0), n); }

TEST(Generator, DefaultGeneratorIsAFlagosGenerator) {
  const at::Generator& gen = flagos::default_generator(0);
  ASSERT_TRUE(gen.defined());
  EXPECT_EQ(gen.device(), c10::Device(kType, 0));
  EXPECT_NE(dynamic_cast<flagos::FlagosGenerator*>(gen.unsafeGetGeneratorImpl()), nullptr);
  EXPECT_EQ(&flagos::default_generator(0), &gen) << "one default generator per device";
  EXPECT_EQ(&flagos::default_generator(-1), &gen) << "-1 means the current device (flagos:0)";
  EXPECT_THROW(flagos::default_generator(1), c10::Error) << "only one device by default";

  const at::Generator engine = flagos::engine_for(std::nullopt, 0);
  EXPECT_EQ(engine.device().type(), c10::DeviceType::CPU) << "the host engine is a CPU generator";
  EXPECT_EQ(engine.unsafeGetGeneratorImpl(),
            gen.get<flagos::FlagosGenerator>()->engine().unsafeGetGeneratorImpl());
  EXPECT_EQ(flagos::engine_for(gen, 0).unsafeGetGeneratorImpl(), engine.unsafeGetGeneratorImpl())
      << "None and the default generator draw from the same engine";
}

TEST(Generator, ManualSeedMatchesCpuGenerator) {
  at::Generator gen = flagos::default_generator(0);
  for (uint64_t seed : {uint64_t{0}, uint64_t{42}, uint64_t{123456789}, uint64_t{1} << 40}) {
    SCOPED_TRACE(seed);
    gen.set_current_seed(seed);
    EXPECT_EQ(gen.current_seed(), seed);
    const at::Generator reference = at::make_generator<at::CPUGeneratorImpl>(seed);
    EXPECT_EQ(draw_default(50), draw(reference, 50));
  }
}

TEST(Generator, NewGeneratorStartsFromTheDefaultSeed) {
  const at::Generator fresh = flagos::new_generator(0);
  EXPECT_EQ(fresh.device(), c10::Device(kType, 0));
  EXPECT_EQ(fresh.current_seed(), c10::default_rng_seed_val);
  const at::Generator reference = at::make_generator<at::CPUGeneratorImpl>(c10::default_rng_seed_val);
  EXPECT_EQ(draw(flagos::engine_for(fresh, 0), 20), draw(reference, 20));
  EXPECT_NE(flagos::engine_for(fresh, 0).unsafeGetGeneratorImpl(),
            flagos::engine_for(std::nullopt, 0).unsafeGetGeneratorImpl());
}

TEST(Generator, StateRoundTrip) {
  at::Generator gen = flagos::default_generator(0);
  gen.set_current_seed(2024);
  (void)draw_default(7);  // somewhere in the middle of the sequence
  const at::Tensor state = gen.get_state();
  ASSERT_TRUE(state.defined());
  const std::vector<uint64_t> expected = draw_default(30);
  EXPECT_NE(draw_default(30), expected) << "the sequence moved on";
  gen.set_state(state);
  EXPECT_EQ(draw_default(30), expected) << "set_state did not restore the sequence";
  EXPECT_EQ(gen.current_seed(), uint64_t{2024});

  // The state is the CPU engine's: a CPU generator given it continues the same sequence.
  at::Generator cpu = at::make_generator<at::CPUGeneratorImpl>(1);
  cpu.set_state(state);
  EXPECT_EQ(draw(cpu, 30), expected);
}

TEST(Generator, CloneIsIndependent) {
  at::Generator gen = flagos::default_generator(0);
  gen.set_current_seed(77);
  (void)draw_default(3);
  at::Generator copy = gen.clone();
  ASSERT_TRUE(copy.defined());
  EXPECT_EQ(copy.device(), c10::Device(kType, 0));
  EXPECT_NE(copy.unsafeGetGeneratorImpl(), gen.unsafeGetGeneratorImpl());
  EXPECT_EQ(copy.current_seed(), uint64_t{77});
  const at::Generator copy_engine = flagos::engine_for(copy, 0);
  EXPECT_NE(copy_engine.unsafeGetGeneratorImpl(), flagos::engine_for(std::nullopt, 0).unsafeGetGeneratorImpl());

  // Both continue from the same point...
  const std::vector<uint64_t> from_copy = draw(copy_engine, 20);
  EXPECT_EQ(draw_default(20), from_copy);
  // ...and then move independently.
  (void)draw(copy_engine, 100);
  const std::vector<uint64_t> next_original = draw_default(10);
  at::Generator reference = at::make_generator<at::CPUGeneratorImpl>(77);
  (void)draw(reference, 3 + 20);
  EXPECT_EQ(next_original, draw(reference, 10)) << "drawing from the clone advanced the original";
  copy.set_current_seed(5);
  EXPECT_EQ(gen.current_seed(), uint64_t{77}) << "seeding the clone reseeded the original";
}

TEST(Generator, SeedReseeds) {
  at::Generator gen = flagos::new_generator(0);
  gen.set_current_seed(9);
  EXPECT_EQ(gen.current_seed(), uint64_t{9});
  const uint64_t random_seed = gen.seed();  // nondeterministic reseed
  EXPECT_EQ(gen.current_seed(), random_seed);
}

TEST(Generator, EngineForRejectsOtherDeviceTypes) {
  const at::Generator cpu = at::make_generator<at::CPUGeneratorImpl>(1);
  try {
    (void)flagos::engine_for(cpu, 0);
    ADD_FAILURE() << "a CPU generator was accepted as a flagos generator";
  } catch (const c10::Error& e) {
    const std::string message = e.what_without_backtrace();
    EXPECT_NE(message.find("'flagos'"), std::string::npos) << message;
  }
  // An undefined generator means the default one.
  EXPECT_EQ(flagos::engine_for(at::Generator(), 0).unsafeGetGeneratorImpl(),
            flagos::engine_for(std::nullopt, 0).unsafeGetGeneratorImpl());
}

}  // namespace
