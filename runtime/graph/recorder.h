// flagos' own graph, for platforms without a native one (host; any vendor without graphs): the
// operator calls made on the capture stream, recorded at the dispatcher level, and re-run on
// replay without Python, autograd or composite kernels.
//
// A recorded call keeps its arguments (tensors as aliases of the same memory, frozen with the
// shape they had when called) and its results, so every tensor the graph touched stays alive as
// long as the graph does: a replay can never run on freed memory. Replay writes each result into
// the memory it occupied at capture, so the tensors a capture produced hold the replay's results:
//   Rerun   in-place and out= calls (they write their arguments), and calls without tensor results;
//   Out     a fresh result: the operator's out= overload, called with the captured result as `out`
//           (same provider as the call, so the same kernel and the same bits);
//   Copy    a fresh result without a usable out= overload: the call, then its result copied into
//           the captured one;
//   Skip    views (no data moves; their shape was fixed at capture).
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/Tensor.h>
#include <ATen/core/ivalue.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace flagos::graph {

enum class Replay : uint8_t { Rerun, Out, Copy, Skip };

struct Step {
  c10::OperatorHandle op;            // what replay calls (the out= overload for Replay::Out)
  std::vector<c10::IValue> args;     // its arguments
  std::vector<c10::IValue> results;  // captured results (Replay::Copy's destinations)
  Replay how;
  std::string name;  // the operator that was called, for dumps
};

class Recorder {
 public:
  // `pool`: the caching-allocator pool the capture allocates from (0: none, the platform's own).
  explicit Recorder(uint64_t pool) : pool_(pool) {}

  // Before a captured call writes `t`: memory that existed before the capture is saved once, and
  // restore() puts it back at capture_end(), so that a capture leaves it as CUDA's does (CUDA does
  // not run captured work; flagos runs it once to learn what each call returns).
  void preserve(const at::Tensor& t);
  void restore();

  // A call the generic kernel (or a flagos kernel) ran during capture. `args` were taken before the
  // call; `results` are what it returned. `writes_args`: the kernel writes its arguments whatever
  // its schema says (flagos' _copy_from).
  void add(const c10::OperatorHandle& op, std::vector<c10::IValue> args, std::vector<c10::IValue> results,
           bool writes_args);
  // An operation that cannot be captured was attempted: the capture is invalid; replay raises `why`.
  void fail(const std::string& why);

  void replay() const;
  size_t size() const;
  const std::string& failure() const { return failure_; }
  // One line per step: index, how it replays, operator, argument shapes.
  std::string dump() const;

 private:
  struct Saved {
    c10::Storage storage;
    std::vector<uint8_t> bytes;
  };
  mutable std::mutex mutex_;  // add() may come from autograd's device thread
  uint64_t pool_;
  std::vector<Step> steps_;
  std::vector<Saved> saved_;
  std::string failure_;
};

// A tensor (or every tensor in a list) as a new alias of the same memory with its current shape:
// later in-place shape changes of the caller's tensor leave the recorded call unchanged.
c10::IValue freeze(const c10::IValue& value);

}  // namespace flagos::graph
