"""Checks at analysis time that the CUDA toolkit fits the torch the build links against."""

def _cuda_version_check_impl(ctx):
    toolkit, torch_cuda = ctx.attr.toolkit_version, ctx.attr.torch_cuda_version
    if not torch_cuda:
        fail("\n--config=cuda links against a torch without CUDA (torch.version.cuda is empty): check " +
             "third_party/python/requirements_cuda.lock\n")
    if toolkit.split(".")[0] != torch_cuda.split(".")[0]:
        fail(("\nCUDA toolkit %s (at %s) does not match the CUDA %s that torch was built with: kernels and " +
              "torch would use different CUDA runtimes. Point CUDA_HOME at a CUDA %s.x toolkit.\n") %
             (toolkit, ctx.attr.toolkit_root, torch_cuda, torch_cuda.split(".")[0]))
    return [DefaultInfo()]

cuda_version_check = rule(
    implementation = _cuda_version_check_impl,
    attrs = {
        "toolkit_version": attr.string(mandatory = True),
        "toolkit_root": attr.string(),
        "torch_cuda_version": attr.string(mandatory = True),
    },
)
