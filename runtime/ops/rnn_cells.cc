// Fused RNN cells. ATen's LSTM/GRU layers call _thnn_fused_lstm_cell / _thnn_fused_gru_cell (and
// their backward kernels) for every CUDA-like device, PrivateUse1 included, but only CUDA
// implements them: the native CPU kernels the host platform runs lack them. They are composed here
// from ordinary ATen operators on flagos tensors, with CUDA's semantics (same outputs, and a
// workspace that carries what the backward needs), and registered only where the native device
// lacks the fused kernel (register_at_load_unless_native): on cuda, CUDA's own fused cells run.
#include <ATen/ATen.h>
#include <torch/library.h>

#include <tuple>

#include "runtime/dispatch/registration.h"

namespace flagos {
namespace {

at::Tensor with_biases(at::Tensor gates, const std::optional<at::Tensor>& bias) {
  return bias.has_value() && bias->defined() ? gates + *bias : gates;
}

// LSTM: gates = W_i x + W_h h (+ biases) -> i, f, g, o; c' = f c + i g; h' = o tanh(c').
// workspace = [i, f, g, o] after their activations.
std::tuple<at::Tensor, at::Tensor, at::Tensor> lstm_cell(const at::Tensor& input_gates, const at::Tensor& hidden_gates,
                                                          const at::Tensor& cx,
                                                          const std::optional<at::Tensor>& input_bias,
                                                          const std::optional<at::Tensor>& hidden_bias) {
  const at::Tensor gates = with_biases(with_biases(input_gates + hidden_gates, input_bias), hidden_bias);
  const auto chunks = gates.chunk(4, 1);
  const at::Tensor i = chunks[0].sigmoid(), f = chunks[1].sigmoid(), g = chunks[2].tanh(), o = chunks[3].sigmoid();
  at::Tensor cy = f * cx + i * g;
  at::Tensor hy = o * cy.tanh();
  return {hy, cy, at::cat({i, f, g, o}, 1)};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> lstm_cell_backward(const std::optional<at::Tensor>& grad_hy,
                                                                   const std::optional<at::Tensor>& grad_cy,
                                                                   const at::Tensor& cx, const at::Tensor& cy,
                                                                   const at::Tensor& workspace, bool has_bias) {
  const auto w = workspace.chunk(4, 1);
  const at::Tensor &i = w[0], &f = w[1], &g = w[2], &o = w[3];
  const at::Tensor tanh_cy = cy.tanh();
  at::Tensor d_cy = at::zeros_like(cy);
  at::Tensor d_o = at::zeros_like(o);
  if (grad_cy.has_value() && grad_cy->defined()) d_cy = d_cy + *grad_cy;
  if (grad_hy.has_value() && grad_hy->defined()) {
    d_cy = d_cy + *grad_hy * o * (1 - tanh_cy * tanh_cy);
    d_o = *grad_hy * tanh_cy;
  }
  at::Tensor grad_gates = at::cat({d_cy * g * i * (1 - i), d_cy * cx * f * (1 - f), d_cy * i * (1 - g * g),
                                   d_o * o * (1 - o)},
                                  1);
  at::Tensor grad_bias = has_bias ? grad_gates.sum(0) : at::Tensor();
  return {grad_gates, d_cy * f, grad_bias};
}

// GRU: r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r h_n), h' = n + z (h - n).
// workspace = [r, z, n, h_n, h] (what CUDA keeps too: the backward gets no other input).
std::tuple<at::Tensor, at::Tensor> gru_cell(const at::Tensor& input_gates, const at::Tensor& hidden_gates,
                                            const at::Tensor& hx, const std::optional<at::Tensor>& input_bias,
                                            const std::optional<at::Tensor>& hidden_bias) {
  const auto x = with_biases(input_gates, input_bias).chunk(3, 1);
  const auto h = with_biases(hidden_gates, hidden_bias).chunk(3, 1);
  const at::Tensor r = (x[0] + h[0]).sigmoid(), z = (x[1] + h[1]).sigmoid();
  const at::Tensor n = (x[2] + r * h[2]).tanh();
  at::Tensor hy = n + z * (hx - n);
  return {hy, at::cat({r, z, n, h[2], hx}, 1)};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> gru_cell_backward(const at::Tensor& grad_hy,
                                                                                         const at::Tensor& workspace,
                                                                                         bool has_bias) {
  const auto w = workspace.chunk(5, 1);
  const at::Tensor &r = w[0], &z = w[1], &n = w[2], &h_n = w[3], &hx = w[4];
  const at::Tensor d_n = grad_hy * (1 - z) * (1 - n * n);
  const at::Tensor d_z = grad_hy * (hx - n) * z * (1 - z);
  const at::Tensor d_r = d_n * h_n * r * (1 - r);
  at::Tensor grad_input_gates = at::cat({d_r, d_z, d_n}, 1);
  at::Tensor grad_hidden_gates = at::cat({d_r, d_z, d_n * r}, 1);
  at::Tensor grad_hx = grad_hy * z;
  at::Tensor grad_input_bias = has_bias ? grad_input_gates.sum(0) : at::Tensor();
  at::Tensor grad_hidden_bias = has_bias ? grad_hidden_gates.sum(0) : at::Tensor();
  return {grad_input_gates, grad_hidden_gates, grad_hx, grad_input_bias, grad_hidden_bias};
}

const bool g_registered = [] {
  dispatch::register_at_load_unless_native("_thnn_fused_lstm_cell", torch::CppFunction(TORCH_FN(lstm_cell)));
  dispatch::register_at_load_unless_native("_thnn_fused_lstm_cell_backward_impl",
                                           torch::CppFunction(TORCH_FN(lstm_cell_backward)));
  dispatch::register_at_load_unless_native("_thnn_fused_gru_cell", torch::CppFunction(TORCH_FN(gru_cell)));
  dispatch::register_at_load_unless_native("_thnn_fused_gru_cell_backward", torch::CppFunction(TORCH_FN(gru_cell_backward)));
  return true;
}();

}  // namespace
}  // namespace flagos

