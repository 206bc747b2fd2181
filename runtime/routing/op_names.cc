#include "runtime/routing/op_names.h"

namespace flagos::routing {

std::string full_name(const c10::OperatorName& name) {
  return name.overload_name.empty() ? name.name : name.name + "." + name.overload_name;
}

std::optional<c10::OperatorHandle> find_op(const std::string& qualified) {
  const size_t ns = qualified.find("::");
  const size_t dot = qualified.find('.', ns == std::string::npos ? 0 : ns + 2);
  const c10::OperatorName name(qualified.substr(0, dot), dot == std::string::npos ? "" : qualified.substr(dot + 1));
  return c10::Dispatcher::singleton().findOp(name);
}

std::string route_variable(const c10::OperatorName& name) {
  const size_t ns = name.name.find("::");
  return "FLAGOS_OP_" + (ns == std::string::npos ? name.name : name.name.substr(ns + 2)) + "__" +
         (name.overload_name.empty() ? "default" : name.overload_name);
}

}  // namespace flagos::routing
