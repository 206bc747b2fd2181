// Softmax and layer normalisation through aclnn's fused kernels: _softmax -> aclnnSoftmax and its
// backward _softmax_backward_data -> aclnnSoftmaxBackward, native_layer_norm -> aclnnLayerNorm and
// its backward native_layer_norm_backward -> aclnnLayerNormBackward (the forward's mean and rstd,
// with ATen's shapes and dtypes, feed it). RMS normalisation is rms_norm.cc.
#include <ATen/ATen.h>
#include <ATen/OpMathType.h>
#include <ATen/WrapDimUtils.h>
#include <aclnnop/aclnn_layer_norm.h>
#include <aclnnop/aclnn_layer_norm_backward.h>
#include <aclnnop/aclnn_softmax.h>
#include <aclnnop/aclnn_softmax_backward.h>
#include <torch/library.h>

#include <array>
#include <tuple>
#include <vector>

#include "platforms/ascend/kernels/aclnn.h"

namespace flagos::ascend {
namespace {

at::Tensor softmax(const at::Tensor& self, int64_t dim, bool half_to_float) {
  TORCH_CHECK(c10::isFloatingType(self.scalar_type()), "\"softmax\" not implemented for '", self.scalar_type(), "'");
  TORCH_CHECK(!half_to_float || self.scalar_type() == c10::ScalarType::Half,
              "softmax with half to float conversion is supported on half inputs only");
  const int64_t d = at::maybe_wrap_dim(dim, self.dim());
  at::Tensor out = at::empty(self.sizes(), self.options().dtype(half_to_float ? c10::ScalarType::Float
                                                                                : self.scalar_type()));
  if (out.numel() == 0) return out;
  AclTensor a(self), o(out);
  FLAGOS_ACLNN(Softmax, a.get(), d, o.get());
  return out;
}

// The gradient of softmax from its output: grad_input = output * (grad_output - sum(grad_output *
// output, dim)). ATen's rules: grad_output and output of one shape and dtype, dim wrapped (a 0-d
// tensor has one dimension), the result in grad_output's dtype except for the backward of a half
// to float softmax (float gradients, input_dtype half), whose gradient is half (aclnn's out may
// differ in dtype from its inputs).
at::Tensor softmax_backward_data(const at::Tensor& grad_output, const at::Tensor& output, int64_t dim,
                                 c10::ScalarType input_dtype) {
  TORCH_CHECK(grad_output.sizes().equals(output.sizes()), "Expected tensor for argument #1 'grad' to have same size ",
              "as tensor for argument #2 'output'; but ", grad_output.sizes(), " does not equal ", output.sizes(),
              " (while checking arguments for softmax_backward)");
  const int64_t d = at::maybe_wrap_dim(dim, grad_output.dim());
  TORCH_CHECK(grad_output.scalar_type() == output.scalar_type(), "expected scalar type ", grad_output.scalar_type(),
              " but found ", output.scalar_type());
  TORCH_CHECK(c10::isFloatingType(grad_output.scalar_type()), "\"softmax_backward\" not implemented for '",
              grad_output.scalar_type(), "'");
  const bool half_to_float =
      grad_output.scalar_type() == c10::ScalarType::Float && input_dtype == c10::ScalarType::Half;
  at::Tensor grad_input = at::empty(grad_output.sizes(), grad_output.options().dtype(
                                                              half_to_float ? input_dtype : grad_output.scalar_type()));
  if (grad_input.numel() == 0) return grad_input;
  AclTensor g(grad_output), o(output), gi(grad_input);
  FLAGOS_ACLNN(SoftmaxBackward, g.get(), o.get(), d, gi.get());
  return grad_input;
}

using LayerNormResult = std::tuple<at::Tensor, at::Tensor, at::Tensor>;

LayerNormResult aclnn_layer_norm(const at::Tensor& input, c10::IntArrayRef normalized_shape,
                                 const std::optional<at::Tensor>& weight, const std::optional<at::Tensor>& bias,
                                 double eps) {
  const int64_t n = static_cast<int64_t>(normalized_shape.size());
  const int64_t axis = input.dim() - n;
  TORCH_CHECK(n >= 1 && axis >= 0 && input.sizes().slice(axis).equals(normalized_shape),
              "Given normalized_shape=", normalized_shape, ", expected input with shape [*, ",
              c10::Join(", ", normalized_shape), "], but got input of size", input.sizes());
  const at::Tensor w = weight.value_or(at::Tensor()), b = bias.value_or(at::Tensor());
  TORCH_CHECK(!w.defined() || w.sizes().equals(normalized_shape), "Expected weight to be of same shape as ",
              "normalized_shape, but got weight of shape ", w.sizes(), " and normalized_shape = ", normalized_shape);
  TORCH_CHECK(!b.defined() || b.sizes().equals(normalized_shape), "Expected bias to be of same shape as ",
              "normalized_shape, but got bias of shape ", b.sizes(), " and normalized_shape = ", normalized_shape);
  // Statistics as ATen keeps them: the leading dims, then 1s; in the op-math dtype (float for
  // half and bfloat16 inputs).
  std::vector<int64_t> stat_shape(input.sizes().begin(), input.sizes().begin() + axis);
  stat_shape.resize(input.dim(), 1);
  const c10::ScalarType stat_type = at::toOpMathType(input.scalar_type());
  at::Tensor out = at::empty(input.sizes(), input.options());
  at::Tensor mean = at::empty(stat_shape, input.options().dtype(stat_type));
  at::Tensor rstd = at::empty(stat_shape, input.options().dtype(stat_type));
  if (input.numel() == 0) return {out, mean, rstd};
  AclTensor x(input), tw(w), tb(b), o(out), m(mean), r(rstd);
  AclIntArray shape(normalized_shape);
  FLAGOS_ACLNN(LayerNorm, x.get(), shape.get(), tw.get(), tb.get(), eps, o.get(), m.get(), r.get());
  return {out, mean, rstd};
}

LayerNormResult native_layer_norm(const at::Tensor& input, c10::SymIntArrayRef normalized_shape,
                                  const std::optional<at::Tensor>& weight, const std::optional<at::Tensor>& bias,
                                  double eps) {
  return aclnn_layer_norm(input, C10_AS_INTARRAYREF_SLOW(normalized_shape), weight, bias, eps);
}

// The gradients in the dtypes of input, weight and bias, each only where output_mask asks for it
// and its tensor exists (no weight, no weight gradient). aclnn gets the mask and NULL for the
// outputs left out; nothing asked for: no call.
LayerNormResult native_layer_norm_backward(const at::Tensor& grad_out, const at::Tensor& input,
                                           c10::SymIntArrayRef normalized_shape_sym, const at::Tensor& mean,
                                           const at::Tensor& rstd, const std::optional<at::Tensor>& weight,
                                           const std::optional<at::Tensor>& bias, std::array<bool, 3> output_mask) {
  const c10::IntArrayRef normalized_shape = C10_AS_INTARRAYREF_SLOW(normalized_shape_sym);
  const int64_t n = static_cast<int64_t>(normalized_shape.size());
  const int64_t axis = input.dim() - n;
  TORCH_CHECK(n >= 1 && axis >= 0 && input.sizes().slice(axis).equals(normalized_shape),
              "Given normalized_shape=", normalized_shape, ", expected input with shape [*, ",
              c10::Join(", ", normalized_shape), "], but got input of size", input.sizes());
  TORCH_CHECK(grad_out.sizes().equals(input.sizes()), "native_layer_norm_backward: grad_out of shape ",
              grad_out.sizes(), " does not match input of shape ", input.sizes());
  const int64_t rows = c10::multiply_integers(input.sizes().slice(0, axis));
  TORCH_CHECK(mean.numel() == rows && rstd.numel() == rows, "native_layer_norm_backward: mean ", mean.sizes(),
              " and rstd ", rstd.sizes(), " must hold one value per row of input of shape ", input.sizes());
  const at::Tensor w = weight.value_or(at::Tensor()), b = bias.value_or(at::Tensor());
  const bool want[3] = {output_mask[0], output_mask[1] && w.defined(), output_mask[2] && b.defined()};
  at::Tensor grad_input = want[0] ? at::empty(input.sizes(), input.options()) : at::Tensor();
  at::Tensor grad_weight, grad_bias;
  if (!want[0] && !want[1] && !want[2]) return {grad_input, grad_weight, grad_bias};
  if (input.numel() == 0) {
    // No rows (or empty rows): the weight's and bias' gradients are sums over nothing.
    const auto zeros = [&](const at::Tensor& like) {
      return at::zeros(like.sizes(), like.options().device(c10::kCPU)).to(input.device());
    };
    if (want[1]) grad_weight = zeros(w);
    if (want[2]) grad_bias = zeros(b);
    return {grad_input, grad_weight, grad_bias};
  }
  if (want[1]) grad_weight = at::empty(w.sizes(), w.options());
  if (want[2]) grad_bias = at::empty(b.sizes(), b.options());
  AclTensor dy(grad_out), x(input), m(mean), r(rstd), tw(w), tb(b), dx(grad_input), dw(grad_weight),
      db(grad_bias);
  AclIntArray shape(normalized_shape);
  AclBoolArray mask(want, 3);
  FLAGOS_ACLNN(LayerNormBackward, dy.get(), x.get(), shape.get(), m.get(), r.get(), tw.get(), tb.get(), mask.get(),
               dx.get(), dw.get(), db.get());
  return {grad_input, grad_weight, grad_bias};
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse2, m) {
  m.impl("_softmax", TORCH_FN(softmax));
  m.impl("_softmax_backward_data", TORCH_FN(softmax_backward_data));
  m.impl("native_layer_norm", TORCH_FN(native_layer_norm));
  m.impl("native_layer_norm_backward", TORCH_FN(native_layer_norm_backward));
}

}  // namespace flagos::ascend
