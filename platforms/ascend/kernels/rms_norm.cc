// RMS normalisation through aclnn's fused kernels: _fused_rms_norm -> aclnnRmsNorm and its
// backward _fused_rms_norm_backward -> aclnnRmsNormGrad.
//
// F.rms_norm calls _fused_rms_norm (when the weight's dtype matches the input's). ATen's kernel for
// it on devices without their own is a decomposition (CompositeImplicitAutograd); routed, the
// operator reaches flagos whole, and autograd records its own formula, whose backward is
// _fused_rms_norm_backward: stock PyTorch has no CPU kernel for that one, so both are native here.
// The outputs follow ATen's: y in the input's dtype, rstd of shape input.shape[:axis] + [1] * n in
// the op-math dtype (float for half and bfloat16), eps None = the op-math dtype's epsilon;
// gradients in the dtypes of input and weight.
//
// aclnn's operands (CANN's aclnnRmsNorm / aclnnRmsNormGrad reference): gamma is required (a weight
// of None is a tensor of ones), in x's dtype or float32 (another weight dtype is converted to
// float32); rstd and dgammaOut are float32; aclnnRmsNormGrad writes both dxOut and dgammaOut, so a
// gradient output_mask leaves out gets a scratch tensor.
#include <ATen/ATen.h>
#include <ATen/OpMathType.h>
#include <aclnnop/aclnn_rms_norm.h>
#include <aclnnop/aclnn_rms_norm_grad.h>
#include <torch/library.h>

#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>
#include <vector>

#include "platforms/ascend/kernels/aclnn.h"

namespace flagos::ascend {
namespace {

// ATen's checks of rms_norm's arguments (_check_rms_norm_inputs), with its messages; returns the
// first normalised dimension.
int64_t check_inputs(const at::Tensor& input, c10::IntArrayRef normalized_shape, const at::Tensor& weight) {
  TORCH_CHECK(!normalized_shape.empty(), "Expected normalized_shape to be at least 1-dimensional, i.e., containing at ",
              "least one element, but got normalized_shape = ", normalized_shape);
  TORCH_CHECK(!weight.defined() || weight.sizes().equals(normalized_shape),
              "Expected weight to be of same shape as normalized_shape, but got weight of shape ", weight.sizes(),
              " and normalized_shape = ", normalized_shape);
  const int64_t axis = input.dim() - static_cast<int64_t>(normalized_shape.size());
  TORCH_CHECK(axis >= 0 && input.sizes().slice(axis).equals(normalized_shape), "Given normalized_shape=",
              normalized_shape, ", expected input with shape [*", c10::Join(", ", normalized_shape),
              "], but got input of size", input.sizes());
  TORCH_CHECK(c10::isFloatingType(input.scalar_type()), "\"rms_norm\" not implemented for '", input.scalar_type(),
              "'");
  return axis;
}

// aclnn's gamma: the weight in the input's dtype or float32 (the combinations CANN documents;
// another dtype is converted to float32), or ones in the input's dtype for a weight of None (made
// on the host and copied: one small transfer, no operator of its own).
at::Tensor gamma_for(const at::Tensor& input, c10::IntArrayRef normalized_shape, const at::Tensor& weight) {
  if (!weight.defined()) {
    return at::ones(normalized_shape, input.options().device(c10::kCPU)).to(input.device());
  }
  const c10::ScalarType type = weight.scalar_type();
  return type == input.scalar_type() || type == c10::ScalarType::Float ? weight : weight.to(c10::ScalarType::Float);
}

using Pair = std::tuple<at::Tensor, at::Tensor>;

Pair fused_rms_norm(const at::Tensor& input, c10::IntArrayRef normalized_shape,
                    const std::optional<at::Tensor>& weight_opt, std::optional<double> eps) {
  const at::Tensor weight = weight_opt.value_or(at::Tensor());
  const int64_t axis = check_inputs(input, normalized_shape, weight);
  const c10::ScalarType stat_type = at::toOpMathType(input.scalar_type());
  const double epsilon = eps.value_or(stat_type == c10::ScalarType::Double ? std::numeric_limits<double>::epsilon()
                                                                            : std::numeric_limits<float>::epsilon());
  std::vector<int64_t> stat_shape(input.sizes().begin(), input.sizes().begin() + axis);
  stat_shape.resize(input.dim(), 1);
  at::Tensor out = at::empty(input.sizes(), input.options());
  at::Tensor rstd = at::empty(stat_shape, input.options().dtype(stat_type));
  if (input.numel() == 0) {
    // Rows of no elements: ATen's mean over nothing is NaN, so is their rstd.
    if (rstd.numel() > 0) rstd = at::full(stat_shape, NAN, rstd.options().device(c10::kCPU)).to(input.device());
    return {out, rstd};
  }
  const at::Tensor gamma = gamma_for(input, normalized_shape, weight);
  AclTensor x(input), g(gamma), y(out), r(rstd);
  FLAGOS_ACLNN(RmsNorm, x.get(), g.get(), epsilon, y.get(), r.get());
  return {out, rstd};
}

// dgammaOut's dtype: float32 as CANN documents it (float64 for a float64 weight, which an NPU
// refuses anyway).
c10::ScalarType dgamma_type(const at::Tensor& weight) {
  return weight.scalar_type() == c10::ScalarType::Double ? c10::ScalarType::Double : c10::ScalarType::Float;
}

Pair fused_rms_norm_backward(const at::Tensor& grad_out, const at::Tensor& input, c10::IntArrayRef normalized_shape,
                             const at::Tensor& rstd, const std::optional<at::Tensor>& weight_opt,
                             std::array<bool, 2> output_mask) {
  const at::Tensor weight = weight_opt.value_or(at::Tensor());
  const int64_t axis = check_inputs(input, normalized_shape, weight);
  TORCH_CHECK(grad_out.sizes().equals(input.sizes()), "_fused_rms_norm_backward: grad_out of shape ",
              grad_out.sizes(), " does not match input of shape ", input.sizes());
  TORCH_CHECK(rstd.numel() == c10::multiply_integers(input.sizes().slice(0, axis)),
              "_fused_rms_norm_backward: rstd of shape ", rstd.sizes(), " does not hold one value per row of input ",
              "of shape ", input.sizes(), " normalised over ", normalized_shape);
  const bool want_input = output_mask[0];
  const bool want_weight = output_mask[1] && weight.defined();  // no weight, no gradient for it
  at::Tensor grad_input = want_input ? at::empty(input.sizes(), input.options()) : at::Tensor();
  at::Tensor grad_weight;
  if (!want_input && !want_weight) return {grad_input, grad_weight};
  if (input.numel() == 0) {
    // No rows (or empty rows): the weight's gradient is a sum over nothing.
    if (want_weight) grad_weight = at::zeros(weight.sizes(), weight.options().device(c10::kCPU)).to(input.device());
    return {grad_input, grad_weight};
  }
  const at::Tensor gamma = gamma_for(input, normalized_shape, weight);
  // aclnn writes both gradients: scratch space for the one not asked for.
  const at::Tensor dx = want_input ? grad_input : at::empty(input.sizes(), input.options());
  const c10::ScalarType dgamma_dtype = weight.defined() ? dgamma_type(weight) : c10::ScalarType::Float;
  const at::Tensor dgamma = at::empty(normalized_shape, input.options().dtype(dgamma_dtype));
  {
    AclTensor dy(grad_out), x(input), r(rstd), g(gamma), tdx(dx), tdg(dgamma);
    FLAGOS_ACLNN(RmsNormGrad, dy.get(), x.get(), r.get(), g.get(), tdx.get(), tdg.get());
  }
  if (want_weight) grad_weight = dgamma_dtype == weight.scalar_type() ? dgamma : dgamma.to(weight.scalar_type());
  return {grad_input, grad_weight};
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse2, m) {
  m.impl("_fused_rms_norm", TORCH_FN(fused_rms_norm));
  m.impl("_fused_rms_norm_backward", TORCH_FN(fused_rms_norm_backward));
}

}  // namespace flagos::ascend
