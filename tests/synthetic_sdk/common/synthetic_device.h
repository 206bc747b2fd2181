// The device model shared by the SYNTHETIC stand-in runtimes (tests/synthetic_sdk/README.md).
//
// Not a vendor runtime: a small model of one, precise enough to test flagos' HALs against.
//  - Devices: FLAGOS_SYNTHETIC_DEVICE_COUNT of them (default 2), each with
//    FLAGOS_SYNTHETIC_DEVICE_MEMORY bytes (default 64 MiB; K/M/G suffixes). "Device memory" is
//    host memory, 64-byte aligned, tracked by address range, so the runtimes can tell device
//    pointers from host pointers the way a real driver does.
//  - Streams are queues that run LATER: an asynchronous copy (or kernel) is recorded when it is
//    issued and executed only when the stream is synchronized, when an event recorded after it
//    is waited on, or one operation per query. So a HAL that forgets a synchronization, passes
//    the wrong stream or drops an event dependency reads stale data in tests, as it would on a
//    device.
//  - Events are markers in a stream; they complete (and take their timestamp) when the stream
//    reaches them.
//  - Every API call is recorded (name, device, stream, bytes, kind, flags) and any API can be made
//    to fail with a chosen code and message (fault injection).
// One recursive mutex guards everything: the model is about semantics, not concurrency.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace flagos_synthetic {

struct Stream {
  int device = 0;
  int priority = 0;
  unsigned flags = 0;
  bool is_default = false;
  uint64_t enqueued = 0;   // operations ever enqueued
  uint64_t completed = 0;  // operations executed
  std::deque<std::pair<std::string, std::function<void()>>> pending;
};

struct Event {
  int device = 0;
  unsigned flags = 0;
  Stream* stream = nullptr;  // stream of the last record, nullptr if never recorded
  uint64_t marker = 0;       // the stream's operation count that completes the event
  bool completed = false;
  std::chrono::steady_clock::time_point when;
};

struct Call {
  std::string api;
  int device = -1;              // the device the call acted on (-1: none)
  const void* stream = nullptr; // the stream handle as passed by the caller (nullptr: default)
  const void* ptr = nullptr;    // the main pointer argument (allocation, destination...)
  size_t bytes = 0;
  int kind = -1;                // copy kind, as the vendor enum value
  unsigned flags = 0;
  long long value = 0;          // another integer argument (stream priority...)
  std::string detail;           // e.g. the kernel of a launch
};

struct Fault {
  int code = 0;
  std::string message;
  int remaining = 1;
};

class Runtime {
 public:
  static Runtime& get();

  std::recursive_mutex& mutex() { return mutex_; }

  int device_count() const { return device_count_; }
  size_t capacity() const { return capacity_; }
  bool valid_device(int device) const { return device >= 0 && device < device_count_; }

  // ---- memory ----
  // false: the device is full (nothing allocated).
  bool allocate(int device, size_t size, void** out);
  // false: not the start of a live device allocation. Drains the device's streams first (a free
  // waits for the work that may still use the memory, as the vendors' frees do).
  bool free(void* ptr, int* device);
  // The device whose allocation contains [ptr, ptr + bytes), or -1.
  int device_of(const void* ptr, size_t bytes) const;
  size_t used(int device) const { return used_[device]; }
  void* host_alloc(size_t size);
  bool host_free(void* ptr);
  bool is_pinned(const void* ptr) const { return pinned_.count(const_cast<void*>(ptr)) != 0; }

  // ---- streams ----
  Stream* create_stream(int device, int priority, unsigned flags);
  bool destroy_stream(Stream* stream);  // drains it first
  Stream* default_stream(int device);
  bool valid_stream(const Stream* stream) const { return streams_.count(const_cast<Stream*>(stream)) != 0; }
  void enqueue(Stream* stream, std::string what, std::function<void()> op);
  bool step(Stream* stream);  // runs one pending operation; false if there was none
  void drain(Stream* stream);
  void drain_device(int device);
  bool idle(const Stream* stream) const { return stream->pending.empty(); }

  // ---- events ----
  Event* create_event(int device, unsigned flags);
  bool destroy_event(Event* event);
  bool valid_event(const Event* event) const { return events_.count(const_cast<Event*>(event)) != 0; }
  void record(Event* event, Stream* stream);
  bool event_done(const Event* event) const;
  void synchronize(Event* event);  // runs the event's stream up to the event
  // The waiting stream gets an operation that, when it runs, first runs the event's stream up to
  // the event: work after the wait sees everything before the record.
  void wait(Stream* waiter, Event* event);

  // ---- calls and faults ----
  void record_call(const Call& call);
  std::vector<Call> calls(const std::string& api) const;
  int call_count(const std::string& api) const;
  void clear_calls() { calls_.clear(); }
  void fail_next(const std::string& api, int code, const std::string& message, int times);
  // If a fault is pending for `api`, consumes it and returns true.
  bool take_fault(const std::string& api, Fault* fault);
  void clear_faults() { faults_.clear(); }

 private:
  Runtime();

  mutable std::recursive_mutex mutex_;
  int device_count_ = 2;
  size_t capacity_ = size_t{64} << 20;
  std::vector<size_t> used_;
  std::map<uintptr_t, std::pair<int, size_t>> allocations_;  // start -> (device, size)
  std::set<void*> pinned_;
  std::set<Stream*> streams_;
  std::vector<Stream*> default_streams_;
  std::set<Event*> events_;
  std::vector<Call> calls_;
  std::map<std::string, Fault> faults_;
};

// "64M" -> 67108864; 0 when malformed.
size_t parse_size(const char* text);

}  // namespace flagos_synthetic
