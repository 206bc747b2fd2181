// Element-wise arithmetic and activations through aclnn's Vector-unit kernels. Broadcasting and
// type promotion follow ATen: the result's shape and dtype are decided here (at::infer_size,
// at::result_type) and aclnn computes into that output, promoting its inputs itself. add_ writes
// into self, with ATen's checks for an in-place result (overlap, shape, castability, alpha).
#include <ATen/ATen.h>
#include <ATen/ExpandUtils.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/OpMathType.h>
#include <aclnnop/aclnn_add.h>
#include <aclnnop/aclnn_div.h>
#include <aclnnop/aclnn_mul.h>
#include <aclnnop/aclnn_pow.h>
#include <aclnnop/aclnn_rsqrt.h>
#include <aclnnop/aclnn_silu.h>
#include <aclnnop/aclnn_sub.h>
#include <torch/library.h>

#include "platforms/ascend/kernels/aclnn.h"

namespace flagos::ascend {
namespace {

// A CPU 0-dim operand (x + 2.5 arrives as a wrapped number; x + torch.tensor(2.)) is accepted by
// ATen on any device; aclnn reads device memory only, so it moves to the other operand's device
// (one element), as a value of the op-math type of the result `dtype`: what ATen computes with
// (float for half and bfloat16 results), not a float64 the device may lack or a bfloat16 that
// would round the scalar first.
at::Tensor on_device_of(const at::Tensor& t, const at::Tensor& like, c10::ScalarType dtype) {
  return t.device() == like.device() ? t : t.to(like.device(), at::toOpMathType(dtype));
}

// The output of a binary operator: broadcast shape, `dtype`, on self's device (or other's when
// self is the CPU scalar).
at::Tensor binary_output(const at::Tensor& self, const at::Tensor& other, c10::ScalarType dtype) {
  const at::Tensor& device_side = self.device().is_cpu() ? other : self;
  return at::empty(at::infer_size(self.sizes(), other.sizes()), device_side.options().dtype(dtype));
}

at::Tensor add_or_sub(bool subtract, const at::Tensor& self, const at::Tensor& other, const c10::Scalar& alpha) {
  const c10::ScalarType dtype = at::result_type(self, other);
  TORCH_CHECK(dtype != c10::ScalarType::Bool || !subtract,
              "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
              "operator instead.");
  at::Tensor out = binary_output(self, other, dtype);
  if (out.numel() == 0) return out;
  const at::Tensor a = on_device_of(self, out, out.scalar_type());
  const at::Tensor b = on_device_of(other, out, out.scalar_type());
  AclTensor ta(a), tb(b), to(out);
  AclScalar scale(alpha, dtype);
  if (subtract) {
    FLAGOS_ACLNN(Sub, ta.get(), tb.get(), scale.get(), to.get());
  } else {
    FLAGOS_ACLNN(Add, ta.get(), tb.get(), scale.get(), to.get());
  }
  return out;
}

at::Tensor add(const at::Tensor& self, const at::Tensor& other, const c10::Scalar& alpha) {
  return add_or_sub(false, self, other, alpha);
}

at::Tensor sub(const at::Tensor& self, const at::Tensor& other, const c10::Scalar& alpha) {
  return add_or_sub(true, self, other, alpha);
}

at::Tensor mul(const at::Tensor& self, const at::Tensor& other) {
  at::Tensor out = binary_output(self, other, at::result_type(self, other));
  if (out.numel() == 0) return out;
  const at::Tensor a = on_device_of(self, out, out.scalar_type());
  const at::Tensor b = on_device_of(other, out, out.scalar_type());
  AclTensor ta(a), tb(b), to(out);
  FLAGOS_ACLNN(Mul, ta.get(), tb.get(), to.get());
  return out;
}

// True division: integer and bool operands give the default floating dtype, as in ATen.
at::Tensor div(const at::Tensor& self, const at::Tensor& other) {
  c10::ScalarType dtype = at::result_type(self, other);
  if (c10::isIntegralType(dtype, /*includeBool=*/true)) dtype = c10::typeMetaToScalarType(at::get_default_dtype());
  at::Tensor out = binary_output(self, other, dtype);
  if (out.numel() == 0) return out;
  const at::Tensor a = on_device_of(self, out, out.scalar_type());
  const at::Tensor b = on_device_of(other, out, out.scalar_type());
  AclTensor ta(a), tb(b), to(out);
  FLAGOS_ACLNN(Div, ta.get(), tb.get(), to.get());
  return out;
}

// self += alpha * other in self's memory. ATen's order of checks for an in-place TensorIterator
// operation: overlap, then shape (self is not resized), then dtype (the promoted type must cast
// to self's), then alpha.
at::Tensor& add_(at::Tensor& self, const at::Tensor& other, const c10::Scalar& alpha) {
  TORCH_CHECK(!self.device().is_cpu(), "Expected all tensors to be on the same device, but found at least two ",
              "devices, ", other.device(), " and cpu!");
  at::assert_no_internal_overlap(self);
  at::assert_no_partial_overlap(self, other);
  const std::vector<int64_t> shape = at::infer_size(self.sizes(), other.sizes());
  TORCH_CHECK(self.sizes().equals(shape), "output with shape ", self.sizes(), " doesn't match the broadcast shape ",
              c10::IntArrayRef(shape));
  const c10::ScalarType dtype = at::result_type(self, other);
  TORCH_CHECK(c10::canCast(dtype, self.scalar_type()), "result type ", dtype, " can't be cast to the desired output ",
              "type ", self.scalar_type());
  TORCH_CHECK(!alpha.isBoolean() || dtype == c10::ScalarType::Bool,
              "Boolean alpha only supported for Boolean results.");
  TORCH_CHECK(c10::isFloatingType(dtype) || c10::isComplexType(dtype) || alpha.isIntegral(/*includeBool=*/true),
              "For integral input tensors, argument alpha must not be a floating point number.");
  if (self.numel() == 0) return self;
  const at::Tensor b = on_device_of(other, self, dtype);  // a CPU 0-dim other (add_(2.0))
  AclTensor ts(self), tb(b);
  AclScalar scale(alpha, dtype);
  FLAGOS_ACLNN(InplaceAdd, ts.get(), tb.get(), scale.get());
  return self;
}

// self ** exponent: ATen's result dtype (at::result_type of the tensor and the scalar: an integer
// tensor to a float power is float), the exponent held in that dtype.
at::Tensor pow_tensor_scalar(const at::Tensor& self, const c10::Scalar& exponent) {
  TORCH_CHECK(!(c10::isIntegralType(self.scalar_type(), /*includeBool=*/true) && exponent.isIntegral(true) &&
                exponent.toLong() < 0),
              "Integers to negative integer powers are not allowed.");
  const c10::ScalarType dtype = at::result_type(self, exponent);
  at::Tensor out = at::empty(self.sizes(), self.options().dtype(dtype));
  if (out.numel() == 0) return out;
  AclTensor a(self), o(out);
  AclScalar e(exponent, dtype);
  FLAGOS_ACLNN(PowTensorScalar, a.get(), e.get(), o.get());
  return out;
}

// 1 / sqrt(self); integer and bool inputs give the default floating dtype, as in ATen.
at::Tensor rsqrt(const at::Tensor& self) {
  c10::ScalarType dtype = self.scalar_type();
  if (c10::isIntegralType(dtype, /*includeBool=*/true)) dtype = c10::typeMetaToScalarType(at::get_default_dtype());
  at::Tensor out = at::empty(self.sizes(), self.options().dtype(dtype));
  if (out.numel() == 0) return out;
  AclTensor a(self), o(out);
  FLAGOS_ACLNN(Rsqrt, a.get(), o.get());
  return out;
}

at::Tensor silu(const at::Tensor& self) {
  TORCH_CHECK(c10::isFloatingType(self.scalar_type()), "\"silu\" not implemented for '", self.scalar_type(), "'");
  at::Tensor out = at::empty(self.sizes(), self.options());
  if (out.numel() == 0) return out;
  AclTensor a(self), o(out);
  FLAGOS_ACLNN(Silu, a.get(), o.get());
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse2, m) {
  m.impl("add.Tensor", TORCH_FN(add));
  m.impl("add_.Tensor", TORCH_FN(add_));
  m.impl("sub.Tensor", TORCH_FN(sub));
  m.impl("mul.Tensor", TORCH_FN(mul));
  m.impl("div.Tensor", TORCH_FN(div));
  m.impl("pow.Tensor_Scalar", TORCH_FN(pow_tensor_scalar));
  m.impl("rsqrt", TORCH_FN(rsqrt));
  m.impl("silu", TORCH_FN(silu));
}

}  // namespace flagos::ascend
