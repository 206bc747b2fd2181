"""Bzlmod (Bazel >= 7) wrapper for the project's repository rules. Not loaded by Bazel 4.2.3.

Untested here: no Bazel >= 5 can be installed on the development machines (see README).
"""

load("//third_party:repositories.bzl", "flagos_repositories")

def _flagos_deps_impl(module_ctx):
    flagos_repositories()

flagos_deps = module_extension(implementation = _flagos_deps_impl)
