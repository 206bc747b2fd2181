// A consumer of the (missing) CANN toolkit for sdk_rules_test.bzl: never compiled, because the
// analysis of its dependency @cann_missing//:ascendcl fails first.
#include <acl/acl.h>
