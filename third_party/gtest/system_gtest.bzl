"""@system_gtest: GoogleTest from the machine's package manager (Debian/Ubuntu: libgtest-dev).

Offline replacement for fetching googletest. When the package is missing, the generated target
fails at build time with the command that installs it (./bazelw installs it on Debian/Ubuntu).
"""

_CANDIDATES = ["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"]

def _impl(rctx):
    include = rctx.path("/usr/include/gtest/gtest.h")
    libdir = None
    for d in _CANDIDATES:
        if rctx.path(d + "/libgtest.a").exists or rctx.path(d + "/libgtest.so").exists:
            libdir = d
            break
    if include.exists and libdir:
        rctx.file("BUILD.bazel", "\n".join([
            'load("@rules_cc//cc:defs.bzl", "cc_library")',
            'package(default_visibility = ["//visibility:public"])',
            "cc_library(",
            '    name = "gtest_main",',
            '    linkopts = ["-L%s", "-lgtest_main", "-lgtest", "-lpthread"],' % libdir,
            ")",
            "",
        ]))
        return
    rctx.file("BUILD.bazel", "\n".join([
        'load("@rules_cc//cc:defs.bzl", "cc_library")',
        'package(default_visibility = ["//visibility:public"])',
        "genrule(",
        '    name = "gtest_missing",',
        '    outs = ["gtest_missing.cc"],',
        '    cmd = "echo \'GoogleTest not found (/usr/include/gtest, libgtest.a). Install it: apt-get install libgtest-dev (./bazelw does this)\' >&2; exit 1",',
        ")",
        'cc_library(name = "gtest_main", srcs = [":gtest_missing"])',
        "",
    ]))

system_gtest_repository = repository_rule(implementation = _impl, local = True)
