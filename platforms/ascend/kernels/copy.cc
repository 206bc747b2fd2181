#include "platforms/ascend/kernels/copy.h"

#include <ATen/MemoryOverlap.h>
#include <aclnnop/aclnn_copy.h>

#include "platforms/ascend/kernels/aclnn.h"

namespace flagos::ascend {
namespace {

bool has_acl_type(c10::ScalarType t) {
  switch (t) {
    case c10::ScalarType::Float:
    case c10::ScalarType::Half:
    case c10::ScalarType::BFloat16:
    case c10::ScalarType::Double:
    case c10::ScalarType::Char:
    case c10::ScalarType::Byte:
    case c10::ScalarType::Short:
    case c10::ScalarType::Int:
    case c10::ScalarType::Long:
    case c10::ScalarType::Bool:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool copy(const at::Tensor& src, const at::Tensor& dst) {
  if (src.is_conj() || src.is_neg() || dst.is_conj() || dst.is_neg()) return false;
  if (!has_acl_type(src.scalar_type()) || !has_acl_type(dst.scalar_type())) return false;
  if (at::has_internal_overlap(dst) == at::MemOverlap::Yes) return false;
  const at::MemOverlapStatus overlap = at::get_overlap_status(src, dst);
  if (overlap != at::MemOverlapStatus::No && overlap != at::MemOverlapStatus::Full) return false;
  if (dst.numel() == 0) return true;
  AclTensor to(dst), from(src);
  FLAGOS_ACLNN(InplaceCopy, to.get(), from.get());
  return true;
}

}  // namespace flagos::ascend
