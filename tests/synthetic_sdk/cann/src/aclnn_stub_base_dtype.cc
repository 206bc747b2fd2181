// Element types of the SYNTHETIC stand-in aclnn (libnnopbase.so; see aclnn_stub_internal.h): sizes,
// names, and elements to and from double. The operators compute in double and round once, when
// they store a result, so float16 and bfloat16 are encoded here directly from the double (one
// rounding, to nearest, ties to even), not through float (which would round twice).
#include <cmath>
#include <cstring>
#include <limits>

#include "aclnn_stub_internal.h"

namespace flagos_synthetic {
namespace aclnn_stub {
namespace {

// A binary floating format of `exp_bits` exponent and `man_bits` stored mantissa bits (float16:
// 5, 10; bfloat16: 8, 7), IEEE-style (subnormals, infinities, NaN), encoded from a double.
uint32_t encode(double v, int exp_bits, int man_bits) {
  const uint32_t sign = std::signbit(v) ? 1u << (exp_bits + man_bits) : 0u;
  const uint32_t exp_all_ones = (1u << exp_bits) - 1;
  if (std::isnan(v)) return sign | (exp_all_ones << man_bits) | (1u << (man_bits - 1));  // quiet NaN
  const double a = std::fabs(v);
  if (std::isinf(a)) return sign | (exp_all_ones << man_bits);
  if (a == 0) return sign;
  const int bias = (1 << (exp_bits - 1)) - 1;
  const int min_exp = 1 - bias;  // exponent of the smallest normal
  int e = 0;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1): a's exponent is e - 1
  int exp = e - 1 < min_exp ? min_exp : e - 1;  // below the normals the quantum stays 2^(min_exp - man_bits)
  // a in units of the target's last mantissa bit: exact (a power-of-two scaling), < 2^(man_bits + 1).
  const double q = std::ldexp(a, man_bits - exp);
  double r = std::floor(q);
  const double rest = q - r;
  if (rest > 0.5 || (rest == 0.5 && std::fmod(r, 2.0) != 0)) r += 1;  // to nearest, ties to even
  uint64_t m = static_cast<uint64_t>(r);
  if (m >> (man_bits + 1)) {  // rounded up to the next power of two
    m >>= 1;
    exp += 1;
  }
  const uint64_t hidden = uint64_t{1} << man_bits;
  if (m < hidden) return sign | static_cast<uint32_t>(m);  // subnormal (exp == min_exp)
  const int biased = exp + bias;
  if (biased >= static_cast<int>(exp_all_ones)) return sign | (exp_all_ones << man_bits);  // overflow: inf
  return sign | (static_cast<uint32_t>(biased) << man_bits) | static_cast<uint32_t>(m - hidden);
}

double decode(uint32_t bits, int exp_bits, int man_bits) {
  const bool negative = (bits >> (exp_bits + man_bits)) & 1u;
  const uint32_t exp_all_ones = (1u << exp_bits) - 1;
  const uint32_t exp = (bits >> man_bits) & exp_all_ones;
  const uint32_t frac = bits & ((1u << man_bits) - 1);
  const int bias = (1 << (exp_bits - 1)) - 1;
  double a = 0;
  if (exp == exp_all_ones) {
    a = frac ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else if (exp == 0) {
    a = std::ldexp(static_cast<double>(frac), 1 - bias - man_bits);
  } else {
    a = std::ldexp(static_cast<double>(frac | (1u << man_bits)), static_cast<int>(exp) - bias - man_bits);
  }
  return negative ? -a : a;
}

template <typename T>
T read(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
void write(void* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

// double -> integer: toward zero, saturating at the type's limits, NaN -> 0.
template <typename T>
T to_integer(double v) {
  if (std::isnan(v)) return 0;
  if (v <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

int64_t load_integer(aclDataType dtype, const void* p) {
  switch (dtype) {
    case ACL_INT8: return read<int8_t>(p);
    case ACL_UINT8: return read<uint8_t>(p);
    case ACL_INT16: return read<int16_t>(p);
    case ACL_INT32: return read<int32_t>(p);
    case ACL_INT64: return read<int64_t>(p);
    case ACL_BOOL: return read<uint8_t>(p) != 0;
    default: return 0;
  }
}

void store_integer(aclDataType dtype, void* p, int64_t v) {
  switch (dtype) {
    case ACL_INT8: write(p, static_cast<int8_t>(v)); break;
    case ACL_UINT8: write(p, static_cast<uint8_t>(v)); break;
    case ACL_INT16: write(p, static_cast<int16_t>(v)); break;
    case ACL_INT32: write(p, static_cast<int32_t>(v)); break;
    case ACL_INT64: write(p, v); break;
    case ACL_BOOL: write(p, static_cast<uint8_t>(v != 0)); break;
    default: break;
  }
}

}  // namespace

uint16_t half_bits(double value) { return static_cast<uint16_t>(encode(value, 5, 10)); }
double half_value(uint16_t bits) { return decode(bits, 5, 10); }
uint16_t bf16_bits(double value) { return static_cast<uint16_t>(encode(value, 8, 7)); }
double bf16_value(uint16_t bits) { return decode(bits, 8, 7); }

size_t item_size(aclDataType dtype) {
  switch (dtype) {
    case ACL_BOOL: case ACL_INT8: case ACL_UINT8: return 1;
    case ACL_FLOAT16: case ACL_BF16: case ACL_INT16: return 2;
    case ACL_FLOAT: case ACL_INT32: return 4;
    case ACL_DOUBLE: case ACL_INT64: return 8;
    default: return 0;
  }
}

const char* dtype_name(aclDataType dtype) {
  switch (dtype) {
    case ACL_FLOAT: return "float32";
    case ACL_FLOAT16: return "float16";
    case ACL_BF16: return "bfloat16";
    case ACL_DOUBLE: return "float64";
    case ACL_INT8: return "int8";
    case ACL_UINT8: return "uint8";
    case ACL_INT16: return "int16";
    case ACL_INT32: return "int32";
    case ACL_INT64: return "int64";
    case ACL_BOOL: return "bool";
    default: return "an unsupported aclDataType";
  }
}

bool is_floating(aclDataType dtype) {
  return dtype == ACL_FLOAT || dtype == ACL_FLOAT16 || dtype == ACL_BF16 || dtype == ACL_DOUBLE;
}

bool is_integral(aclDataType dtype) { return item_size(dtype) != 0 && !is_floating(dtype); }

double load(aclDataType dtype, const void* p) {
  switch (dtype) {
    case ACL_FLOAT: return read<float>(p);
    case ACL_DOUBLE: return read<double>(p);
    case ACL_FLOAT16: return half_value(read<uint16_t>(p));
    case ACL_BF16: return bf16_value(read<uint16_t>(p));
    default: return static_cast<double>(load_integer(dtype, p));
  }
}

void store(aclDataType dtype, void* p, double value) {
  switch (dtype) {
    case ACL_FLOAT: write(p, static_cast<float>(value)); break;  // rounds to nearest, ties to even
    case ACL_DOUBLE: write(p, value); break;
    case ACL_FLOAT16: write(p, half_bits(value)); break;
    case ACL_BF16: write(p, bf16_bits(value)); break;
    case ACL_INT8: write(p, to_integer<int8_t>(value)); break;
    case ACL_UINT8: write(p, to_integer<uint8_t>(value)); break;
    case ACL_INT16: write(p, to_integer<int16_t>(value)); break;
    case ACL_INT32: write(p, to_integer<int32_t>(value)); break;
    case ACL_INT64: write(p, to_integer<int64_t>(value)); break;
    case ACL_BOOL: write(p, static_cast<uint8_t>(value != 0)); break;  // NaN is true, as in C++
    default: break;
  }
}

void convert(aclDataType to, void* dst, aclDataType from, const void* src) {
  if (to == from) {
    std::memcpy(dst, src, item_size(to));
  } else if (is_integral(to) && is_integral(from)) {
    store_integer(to, dst, load_integer(from, src));  // exact beyond 2^53, unlike double
  } else {
    store(to, dst, load(from, src));
  }
}

}  // namespace aclnn_stub
}  // namespace flagos_synthetic
