// The two phases every operator of the SYNTHETIC stand-in libopapi.so shares (Prepare and launch,
// aclnn_stub_internal.h says what each checks): executors, argument checks, and enqueueing the
// computation on the stream so that it runs when the stream does, like the runtime's async copies.
#include <cstdio>
#include <cstring>
#include <set>
#include <string>

#include "acl_stub_exports.h"
#include "aclnn_stub_internal.h"
#include "stub_support.h"

using flagos_synthetic::Call;
using flagos_synthetic::call_of;
using flagos_synthetic::Fault;
using flagos_synthetic::Runtime;
using flagos_synthetic::Stream;
using flagos_synthetic::acl_stub::current_device;
using flagos_synthetic::acl_stub::stream_for_work;
using flagos_synthetic::aclnn_stub::Job;

// What phase 1 decided, for phase 2: single use.
struct aclOpExecutor {
  std::string op;                                          // "aclnnMm"
  uint64_t workspace = 0;                                  // bytes phase 1 asked for
  std::vector<std::pair<std::string, aclTensor>> tensors;  // every tensor argument, by name
  std::function<void(const Job&)> run;                     // the computation, over copies
};

namespace flagos_synthetic {
namespace aclnn_stub {
namespace {

std::set<const aclOpExecutor*>& live_executors() {
  static auto* executors = new std::set<const aclOpExecutor*>();  // never destroyed, like the Runtime
  return *executors;
}

std::string hex(const void* p) {
  char text[32];
  std::snprintf(text, sizeof text, "%p", p);
  return text;
}

}  // namespace

Prepare::Prepare(const char* op, unsigned flags, uint64_t* workspace_size, aclOpExecutor** executor,
                 const std::vector<Arg>& args)
    : lock_(Runtime::get().mutex()), op_(op), workspace_size_(workspace_size), executor_(executor) {
  Call c = call_of((op_ + "GetWorkspaceSize").c_str());
  c.flags = flags;
  Fault fault;
  if (enter(c, current_device(), &fault)) {
    synthetic_acl_set_error(fault.message.c_str());
    status_ = fault.code;
    return;
  }
  // NULL where something is required, first.
  for (const Arg& a : args) {
    if (!a.ptr && !(a.want & kOptional)) {
      status_ = fail(ACLNN_ERR_PARAM_NULLPTR, op_ + ": " + a.name + " is NULL");
      return;
    }
  }
  if (!workspace_size || !executor) {
    status_ = fail(ACLNN_ERR_PARAM_NULLPTR, op_ + ": " + (workspace_size ? "executor" : "workspaceSize") + " is NULL");
    return;
  }
  for (const Arg& a : args) {
    if (!a.ptr) continue;
    bool alive = false;
    const char* type = "";
    switch (a.kind) {
      case Arg::kTensor: alive = live_tensor(static_cast<const aclTensor*>(a.ptr)); type = "aclTensor"; break;
      case Arg::kScalar: alive = live_scalar(static_cast<const aclScalar*>(a.ptr)); type = "aclScalar"; break;
      case Arg::kIntArray: alive = live_int_array(static_cast<const aclIntArray*>(a.ptr)); type = "aclIntArray"; break;
      case Arg::kBoolArray:
        alive = live_bool_array(static_cast<const aclBoolArray*>(a.ptr));
        type = "aclBoolArray";
        break;
    }
    if (!alive) {
      invalid(std::string(a.name) + " is not a live " + type + " (destroyed already?)");
      return;
    }
    if (a.kind == Arg::kTensor && check_tensor(static_cast<const aclTensor*>(a.ptr), a.name, a.want)) return;
  }
}

aclnnStatus Prepare::check_tensor(const aclTensor* t, const char* name, unsigned want) {
  const std::string what = std::string(name) + " (" + dtype_name(t->dtype) + " " + shape_str(t->shape) + ")";
  if (t->shape.size() > 8) return invalid(what + " has more than 8 dimensions");
  if ((want & kFloating) && !is_floating(t->dtype)) {
    return invalid(what + ": expected a floating dtype (float32, float16, bfloat16, float64)");
  }
  if ((want & kIndex) && t->dtype != ACL_INT32 && t->dtype != ACL_INT64) {
    return invalid(what + ": expected int32 or int64");
  }
  if (want & kWritten) {
    for (size_t k = 0; k < t->shape.size(); ++k) {
      if (t->shape[k] > 1 && t->strides[k] == 0) {
        return invalid(what + " is written but dimension " + std::to_string(k) +
                       " has stride 0 (several elements at one address)");
      }
    }
  }
  const void* begin = nullptr;
  size_t bytes = 0;
  if (view_bytes(*t, &begin, &bytes) && Runtime::get().device_of(begin, bytes) < 0) {
    return invalid(what + ": its data (" + std::to_string(bytes) + " bytes at " + hex(begin) +
                   ") is not device memory (aclrtMalloc)");
  }
  tensors_.emplace_back(name, *t);
  return ACLNN_SUCCESS;
}

aclnnStatus Prepare::invalid(const std::string& problem) {
  status_ = fail(ACLNN_ERR_PARAM_INVALID, op_ + ": " + problem);
  return status_;
}

aclnnStatus Prepare::finish(uint64_t workspace, std::function<void(const Job&)> run) {
  auto* e = new aclOpExecutor();
  e->op = op_;
  e->workspace = workspace;
  e->tensors = std::move(tensors_);
  e->run = std::move(run);
  live_executors().insert(e);
  *workspace_size_ = workspace;
  *executor_ = e;
  return ACLNN_SUCCESS;
}

aclnnStatus launch(const char* op, void* workspace, uint64_t workspace_size, aclOpExecutor* executor,
                   aclrtStream stream) {
  Runtime& rt = Runtime::get();
  std::lock_guard<std::recursive_mutex> lock(rt.mutex());
  Call c = call_of(op);
  c.stream = stream;
  c.ptr = workspace;
  c.bytes = workspace_size;
  Fault fault;
  if (enter(c, current_device(), &fault)) {
    synthetic_acl_set_error(fault.message.c_str());
    return fault.code;
  }
  const std::string name = op;
  if (!executor || !live_executors().count(executor)) {
    return fail(ACLNN_ERR_PARAM_INVALID, name + ": the executor is " + (executor ? "not live (run already?)" : "NULL"));
  }
  if (executor->op != name) {
    return fail(ACLNN_ERR_PARAM_INVALID, name + ": the executor comes from " + executor->op + "GetWorkspaceSize");
  }
  if (workspace_size != executor->workspace) {
    return fail(ACLNN_ERR_PARAM_INVALID, name + ": workspaceSize is " + std::to_string(workspace_size) + " but " +
                                             name + "GetWorkspaceSize asked for " +
                                             std::to_string(executor->workspace));
  }
  Stream* s = nullptr;
  if (stream_for_work(op, stream, &s) != ACL_SUCCESS) return ACLNN_ERR_RUNTIME_ERROR;  // the runtime's message
  const std::string stream_device = "device " + std::to_string(s->device) + " (the stream's)";
  if (workspace_size > 0) {
    if (!workspace) return fail(ACLNN_ERR_PARAM_INVALID, name + ": the workspace is NULL");
    if (rt.device_of(workspace, workspace_size) != s->device) {
      return fail(ACLNN_ERR_PARAM_INVALID, name + ": the workspace (" + hex(workspace) + ") is not " +
                                               std::to_string(workspace_size) + " bytes of memory of " +
                                               stream_device);
    }
  }
  for (const auto& [what, t] : executor->tensors) {
    const void* begin = nullptr;
    size_t bytes = 0;
    if (!view_bytes(t, &begin, &bytes)) continue;
    const int device = rt.device_of(begin, bytes);
    if (device < 0) {
      return fail(ACLNN_ERR_PARAM_INVALID,
                  name + ": " + what + "'s memory is not device memory any more (freed since " + name +
                      "GetWorkspaceSize?)");
    }
    if (device != s->device) {
      return fail(ACLNN_ERR_PARAM_INVALID, name + ": " + what + " is in the memory of device " +
                                               std::to_string(device) + ", not of " + stream_device);
    }
  }
  std::function<void(const Job&)> run = std::move(executor->run);
  live_executors().erase(executor);
  delete executor;
  const Job job{stream, s->device};
  rt.enqueue(s, name, [run, job, workspace, workspace_size] {
    run(job);
    if (workspace_size > 0) std::memset(workspace, 0xFF, workspace_size);  // scribbles on a reused workspace
  });
  return ACLNN_SUCCESS;
}

}  // namespace aclnn_stub
}  // namespace flagos_synthetic
