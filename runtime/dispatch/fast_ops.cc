// The operators with a fast kernel (fast_path.h): data, one at::_ops type per overload, chosen from
// traces of the Qwen3 runs (tests/models), the demo and the AdamW step. Each is registered only
// where the generic kernel would serve it on the native route (registration.cc decides); the rest
// of ATen keeps the boxed generic kernel. Adding an operator is adding its name here.
#include <ATen/Operators.h>
#include <c10/util/flat_hash_map.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

#include "runtime/dispatch/fast_kernel.h"
#include "runtime/dispatch/fast_path.h"
#include "runtime/routing/op_names.h"

namespace flagos::dispatch {
namespace {

namespace ops = at::_ops;

template <class... Ops>
struct OpList {};

using FastOps = OpList<
    // matrix products
    ops::mm, ops::addmm, ops::bmm, ops::baddbmm, ops::mm_out,
    // element-wise arithmetic and activations, with their in-place forms
    ops::add_Tensor, ops::add__Tensor, ops::add_out, ops::sub_Tensor, ops::sub__Tensor, ops::mul_Tensor,
    ops::mul__Tensor, ops::mul_Scalar, ops::div_Tensor, ops::div__Tensor, ops::neg, ops::rsqrt, ops::sqrt,
    ops::pow_Tensor_Scalar, ops::exp, ops::cos, ops::sin, ops::sigmoid, ops::tanh, ops::relu, ops::relu_, ops::silu,
    ops::silu_, ops::gelu, ops::gelu_, ops::where_self, ops::masked_fill_Scalar, ops::addcmul_, ops::addcdiv_,
    ops::lerp__Scalar, ops::fill__Scalar, ops::zero_, ops::clone,
    // reductions
    ops::sum, ops::sum_dim_IntList, ops::mean_dim, ops::argmax,
    // normalisation, softmax, embedding, indexing, concatenation
    ops::_softmax, ops::_log_softmax, ops::native_layer_norm, ops::_fused_rms_norm, ops::embedding,
    ops::index_select, ops::index_Tensor, ops::cat,
    // attention (each platform's eligible entries)
    ops::_scaled_dot_product_flash_attention_for_cpu, ops::_scaled_dot_product_flash_attention,
    ops::_scaled_dot_product_efficient_attention, ops::_scaled_dot_product_cudnn_attention,
    // backward kernels of the above, and the loss
    ops::silu_backward, ops::gelu_backward, ops::threshold_backward, ops::_softmax_backward_data,
    ops::_log_softmax_backward_data, ops::native_layer_norm_backward, ops::_fused_rms_norm_backward,
    ops::embedding_dense_backward, ops::nll_loss_forward, ops::nll_loss_backward,
    ops::_scaled_dot_product_flash_attention_backward, ops::_scaled_dot_product_efficient_attention_backward,
    // the optimizer step (AdamW's foreach path)
    ops::_foreach_mul__Scalar, ops::_foreach_mul__Tensor, ops::_foreach_mul__List, ops::_foreach_add__Scalar,
    ops::_foreach_add__List, ops::_foreach_add__Tensor, ops::_foreach_add_Scalar, ops::_foreach_sub__Scalar,
    ops::_foreach_sub_Scalar, ops::_foreach_lerp__Scalar, ops::_foreach_lerp__List, ops::_foreach_addcmul__Scalar,
    ops::_foreach_addcdiv__Scalar, ops::_foreach_addcdiv__ScalarList, ops::_foreach_addcdiv__Tensor,
    ops::_foreach_sqrt, ops::_foreach_sqrt_, ops::_foreach_div__ScalarList, ops::_foreach_div__List,
    ops::_foreach_div_ScalarList, ops::_foreach_neg, ops::_foreach_pow_ScalarAndTensor>;

struct Registered {
  std::mutex mutex;
  ska::flat_hash_set<std::string> names;  // qualified: "aten::add.Tensor"
};

Registered& registered() {
  static auto* r = new Registered();  // leaked: read during static destruction of registrations
  return *r;
}

template <class Op>
void register_one(torch::Library& lib, Eligible eligible, std::vector<std::string>* names) {
  const auto handle = c10::Dispatcher::singleton().findSchema({Op::name, Op::overload_name});
  if (!handle || !eligible(*handle)) return;
  std::string name = Op::name + std::strlen("aten::");
  if (*Op::overload_name) name += std::string(".") + Op::overload_name;
  lib.impl(name.c_str(), torch::CppFunction::makeFromUnboxedFunction(TORCH_FN(fast::FastKernel<Op>::call)));
  names->push_back(routing::full_name(handle->operator_name()));
}

template <class... Ops>
void register_list(OpList<Ops...>, torch::Library& lib, Eligible eligible, std::vector<std::string>* names) {
  (register_one<Ops>(lib, eligible, names), ...);
}

}  // namespace

std::atomic<int32_t> g_boxed_only{0};

std::vector<std::string> register_fast_kernels(torch::Library& lib, Eligible eligible) {
  std::vector<std::string> names;
  register_list(FastOps{}, lib, eligible, &names);
  Registered& r = registered();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.names.insert(names.begin(), names.end());
  return names;
}

std::vector<std::string> fast_ops() {
  Registered& r = registered();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names(r.names.begin(), r.names.end());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace flagos::dispatch
