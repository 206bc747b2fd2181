"""Bzlmod (Bazel >= 7) wrapper for the test-only repositories (a dev_dependency in MODULE.bazel).
Not loaded by Bazel 4.2.3; untested here, as third_party/extensions.bzl."""

load("//tests/synthetic_sdk:repositories.bzl", "flagos_test_repositories")

def _flagos_test_deps_impl(module_ctx):
    flagos_test_repositories()

flagos_test_deps = module_extension(implementation = _flagos_test_deps_impl)
