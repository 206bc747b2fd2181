// Operator names as flagos spells them, in one place (flagos/routing/_names.py is the Python side
// and spells them the same way).
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>

#include <optional>
#include <string>

namespace flagos::routing {

// The dispatcher's spelling, used in messages and as the routing table's key: "aten::add.Tensor";
// overload-less operators "aten::relu".
std::string full_name(const c10::OperatorName& name);

// The operator `qualified` ("aten::add.Tensor", "aten::relu") names, if the dispatcher has it.
std::optional<c10::OperatorHandle> find_op(const std::string& qualified);

// The environment variable that routes the operator: "FLAGOS_OP_add__Tensor",
// "FLAGOS_OP_relu__default" (the namespace is left out: the variables route ATen operators).
std::string route_variable(const c10::OperatorName& name);

}  // namespace flagos::routing
