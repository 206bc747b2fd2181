// See synthetic_device.h. Part of the SYNTHETIC stand-in SDKs, not of flagos.
#include "synthetic_device.h"

#include <cstdlib>
#include <cstring>
#include <iterator>

namespace flagos_synthetic {

size_t parse_size(const char* text) {
  if (!text || !*text) return 0;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (end == text || value <= 0) return 0;
  double scale = 1;
  switch (*end) {
    case '\0': break;
    case 'k': case 'K': scale = 1024.0; break;
    case 'm': case 'M': scale = 1024.0 * 1024; break;
    case 'g': case 'G': scale = 1024.0 * 1024 * 1024; break;
    default: return 0;
  }
  return static_cast<size_t>(value * scale);
}

Runtime& Runtime::get() {
  static Runtime* runtime = new Runtime();  // never destroyed: callers may outlive static destructors
  return *runtime;
}

Runtime::Runtime() {
  if (const char* text = std::getenv("FLAGOS_SYNTHETIC_DEVICE_COUNT"); text && *text) {
    const int n = std::atoi(text);
    device_count_ = n >= 0 && n <= 16 ? n : 2;
  }
  if (size_t bytes = parse_size(std::getenv("FLAGOS_SYNTHETIC_DEVICE_MEMORY"))) capacity_ = bytes;
  used_.assign(static_cast<size_t>(device_count_), 0);
  default_streams_.assign(static_cast<size_t>(device_count_), nullptr);
}

// ---- memory ----------------------------------------------------------------------------------

bool Runtime::allocate(int device, size_t size, void** out) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  *out = nullptr;
  if (size > capacity_ || used_[device] > capacity_ - size) return false;
  const size_t rounded = (size + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded ? rounded : 64);
  if (!p) return false;
  allocations_[reinterpret_cast<uintptr_t>(p)] = {device, size};
  used_[device] += size;
  *out = p;
  return true;
}

bool Runtime::free(void* ptr, int* device) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  auto it = allocations_.find(reinterpret_cast<uintptr_t>(ptr));
  if (it == allocations_.end()) return false;
  *device = it->second.first;
  drain_device(it->second.first);
  used_[it->second.first] -= it->second.second;
  allocations_.erase(it);
  std::free(ptr);
  return true;
}

int Runtime::device_of(const void* ptr, size_t bytes) const {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  const uintptr_t p = reinterpret_cast<uintptr_t>(ptr);
  auto it = allocations_.upper_bound(p);
  if (it == allocations_.begin()) return -1;
  it = std::prev(it);
  const uintptr_t start = it->first;
  const size_t size = it->second.second;
  if (p < start || p - start > size || bytes > size - (p - start)) return -1;
  return it->second.first;
}

void* Runtime::host_alloc(size_t size) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  void* p = std::aligned_alloc(64, (size + 63) / 64 * 64);
  if (p) pinned_.insert(p);
  return p;
}

bool Runtime::host_free(void* ptr) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (!pinned_.erase(ptr)) return false;
  std::free(ptr);
  return true;
}

// ---- streams ---------------------------------------------------------------------------------

Stream* Runtime::create_stream(int device, int priority, unsigned flags) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  auto* s = new Stream();
  s->device = device;
  s->priority = priority;
  s->flags = flags;
  streams_.insert(s);
  return s;
}

bool Runtime::destroy_stream(Stream* stream) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (!streams_.count(stream) || stream->is_default) return false;
  drain(stream);
  streams_.erase(stream);
  for (Event* e : events_) {
    if (e->stream == stream) e->stream = nullptr;  // completed by the drain above
  }
  delete stream;
  return true;
}

Stream* Runtime::default_stream(int device) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stream*& s = default_streams_[static_cast<size_t>(device)];
  if (!s) {
    s = create_stream(device, 0, 0);
    s->is_default = true;
  }
  return s;
}

void Runtime::enqueue(Stream* stream, std::string what, std::function<void()> op) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  stream->pending.emplace_back(std::move(what), std::move(op));
  ++stream->enqueued;
}

bool Runtime::step(Stream* stream) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (stream->pending.empty()) return false;
  auto op = std::move(stream->pending.front().second);
  stream->pending.pop_front();
  op();
  ++stream->completed;
  return true;
}

void Runtime::drain(Stream* stream) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  while (step(stream)) {
  }
}

void Runtime::drain_device(int device) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  std::vector<Stream*> on_device;
  for (Stream* s : streams_) {
    if (s->device == device) on_device.push_back(s);
  }
  for (Stream* s : on_device) drain(s);
}

// ---- events ----------------------------------------------------------------------------------

Event* Runtime::create_event(int device, unsigned flags) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  auto* e = new Event();
  e->device = device;
  e->flags = flags;
  events_.insert(e);
  return e;
}

bool Runtime::destroy_event(Event* event) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (!events_.erase(event)) return false;
  // A marker still queued refers to the event: leave the object alive (leaked) if so.
  if (event->stream && !event_done(event)) {
    event->stream = nullptr;
    return true;
  }
  delete event;
  return true;
}

void Runtime::record(Event* event, Stream* stream) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  event->stream = stream;
  event->completed = false;
  event->marker = stream->enqueued + 1;
  const uint64_t marker = event->marker;
  enqueue(stream, "event record", [this, event, marker] {
    if (!events_.count(event) || event->marker != marker) return;  // destroyed or re-recorded
    event->completed = true;
    event->when = std::chrono::steady_clock::now();
  });
}

bool Runtime::event_done(const Event* event) const {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (!event->stream) return true;  // never recorded, or its stream was drained and destroyed
  return event->completed;
}

void Runtime::synchronize(Event* event) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  while (event->stream && streams_.count(event->stream) && !event->completed) {
    if (!step(event->stream)) break;
  }
}

void Runtime::wait(Stream* waiter, Event* event) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Stream* source = event->stream;
  const uint64_t marker = event->marker;
  if (!source) return;  // nothing recorded: nothing to wait for
  enqueue(waiter, "wait event", [this, source, marker] {
    while (streams_.count(source) && source->completed < marker) {
      if (!step(source)) break;
    }
  });
}

// ---- calls and faults ------------------------------------------------------------------------

void Runtime::record_call(const Call& call) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  calls_.push_back(call);
}

std::vector<Call> Runtime::calls(const std::string& api) const {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  std::vector<Call> out;
  for (const Call& c : calls_) {
    if (c.api == api) out.push_back(c);
  }
  return out;
}

int Runtime::call_count(const std::string& api) const { return static_cast<int>(calls(api).size()); }

void Runtime::fail_next(const std::string& api, int code, const std::string& message, int times) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (times <= 0) {
    faults_.erase(api);
    return;
  }
  faults_[api] = Fault{code, message, times};
}

bool Runtime::take_fault(const std::string& api, Fault* fault) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  auto it = faults_.find(api);
  if (it == faults_.end()) return false;
  *fault = it->second;
  if (--it->second.remaining <= 0) faults_.erase(it);
  return true;
}

}  // namespace flagos_synthetic
