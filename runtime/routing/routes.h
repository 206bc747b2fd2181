// Per-operator routing: which provider computes an operator called on flagos tensors.
//
// The table is decided in Python (flagos/routing: files, environment, API, FlagGems' op table)
// and pushed here whole; the generic kernel asks `route_of` on every call. That must cost next
// to nothing on the native path, so a route is resolved once per operator and cached in the
// operator's plan (fallback.cc) together with the table generation it came from; pushing a new
// table bumps the generation, which makes every cached route stale at once.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace flagos::routing {

// How a provider runs an operator:
//  - Native: the platform's ATen kernels on zero-copy native aliases (runtime/dispatch/bridge.h);
//  - Cpu: copies to the CPU, ATen's CPU kernel, results copied back (dispatch/cpu_provider.h);
//  - Kernels: a provider whose kernels are registered on kProviderKey (from Python through
//    torch.library, e.g. FlagGems'); called on the same native aliases as Native;
//  - Platform: the native provider where ATen cannot read flagos memory (ascend), for an operator
//    the platform's kernel layer implements (kernels/<platform>, registered on kPlatformKey):
//    called on the flagos tensors themselves;
//  - NoKernel: the native provider there for an operator without such a kernel: the call fails
//    saying how to route it (resolved once, then cached).
enum class Kind : uint8_t { Native = 0, Cpu = 1, Kernels = 2, NoKernel = 3, Platform = 4 };

// The dispatch key provider kernels are registered on. Nothing else in PyTorch uses it, and the
// dispatcher calls Python kernels on it with the GIL taken, so this library never touches Python.
constexpr c10::DispatchKey kProviderKey = c10::DispatchKey::PrivateUse3;

// The dispatch key of the native provider's own kernels on platforms without native aliases: C++
// kernels over the vendor's operator library (ascend: aclnn), taking flagos tensors.
constexpr c10::DispatchKey kPlatformKey = c10::DispatchKey::PrivateUse2;

// The key whose kernels the native provider runs: the native device's (host: CPU, cuda: CUDA), or
// kPlatformKey where native aliases are unreadable.
c10::DispatchKey native_kernel_key();

// Built-in provider ids; providers registered from Python follow.
constexpr uint16_t kNative = 0;
constexpr uint16_t kCpu = 1;
constexpr size_t kMaxProviders = 64;

struct Route {
  uint16_t provider;
  Kind kind;
};

// Replaces the provider list (ids are positions; 0 must be native, 1 cpu).
void set_providers(const std::vector<std::string>& names, const std::vector<int64_t>& kinds);

// Replaces the table: explicit routes ("aten::add.Tensor" -> provider id) and the default policy
// for every other operator (provider ids, first that implements the operator wins; native when
// none does). Makes cached routes stale.
void set_table(const std::vector<std::string>& ops, const std::vector<int64_t>& providers,
               const std::vector<int64_t>& default_policy);

// Current table generation (starts at 1, changes with every set_table; 0 marks an empty cache).
extern std::atomic<uint64_t> table_generation;
inline uint64_t generation() { return table_generation.load(std::memory_order_acquire); }

// The route of `op` under the current table (slow path: takes a lock).
Route resolve(const c10::OperatorHandle& op);

// Cached routing: `cache` lives in the operator's plan. Lock-free while the table is unchanged.
inline Route route_of(const c10::OperatorHandle& op, std::atomic<uint64_t>& cache) {
  const uint64_t packed = cache.load(std::memory_order_acquire);
  if ((packed >> 24) == generation()) {
    return Route{static_cast<uint16_t>(packed & 0xffff), static_cast<Kind>((packed >> 16) & 0xff)};
  }
  const uint64_t gen = generation();
  const Route r = resolve(op);
  cache.store((gen << 24) | (static_cast<uint64_t>(r.kind) << 16) | r.provider, std::memory_order_release);
  return r;
}

std::string provider_name(uint16_t id);

}  // namespace flagos::routing
