// torch < 2.12 has no torch.accelerator.Graph registry (at::GraphImplInterface): nothing to join.
#include "runtime/graph/backend.h"

namespace flagos::graph {

bool register_accelerator_graph() { return false; }

}  // namespace flagos::graph
