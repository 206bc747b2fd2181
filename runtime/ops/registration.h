// Registration of the generic kernel for operators whose composite kernels would shadow it.
#pragma once

#include <cstdint>

namespace flagos {

// Registers the generic kernel directly for the operators described in registration.cc. Called
// once after the library's static registrations (flagos' Python loader calls it through
// torch.ops.flagos._register_direct_kernels); later calls do nothing. Returns how many operators.
int64_t register_direct_kernels();

}  // namespace flagos
