#include "runtime/hal/fork_locks.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace flagos::fork_locks {
namespace {

struct Entry {
  void* lock;
  LockFn acquire;
  LockFn release;
  LockFn reset;
  int rank;
};

// Fixed capacity: the handlers must not allocate, and the runtime has a handful of locks.
constexpr int kMaxLocks = 64;

struct Registry {
  std::mutex mutex;  // taken first at fork, released last
  Entry entries[kMaxLocks];
  int count = 0;
};

Registry& registry() {
  static auto* r = new Registry();  // leaked: handlers may run during static destruction
  return *r;
}

std::atomic<int> g_forks{0};

void prepare() {
  Registry& r = registry();
  r.mutex.lock();
  for (int i = 0; i < r.count; ++i) r.entries[i].acquire(r.entries[i].lock);
}

void in_parent() {
  Registry& r = registry();
  for (int i = r.count - 1; i >= 0; --i) r.entries[i].release(r.entries[i].lock);
  r.mutex.unlock();
}

// The child's only thread is the one that took every lock in prepare(): nobody else can hold one.
void in_child() {
  Registry& r = registry();
  for (int i = r.count - 1; i >= 0; --i) r.entries[i].reset(r.entries[i].lock);
  new (&r.mutex) std::mutex();
  g_forks.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

void guard(void* lock, LockFn acquire, LockFn release, LockFn reset, int rank) {
  static std::once_flag installed;
  std::call_once(installed, [] { pthread_atfork(&prepare, &in_parent, &in_child); });
  Registry& r = registry();
  std::lock_guard<std::mutex> hold(r.mutex);
  if (r.count == kMaxLocks) {
    std::fprintf(stderr, "flagos: more than %d runtime locks registered for fork safety\n", kMaxLocks);
    std::abort();
  }
  // Sorted by rank; equal ranks keep registration order.
  int at = r.count;
  while (at > 0 && r.entries[at - 1].rank > rank) {
    r.entries[at] = r.entries[at - 1];
    --at;
  }
  r.entries[at] = Entry{lock, acquire, release, reset, rank};
  ++r.count;
}

int forks_in_ancestry() { return g_forks.load(std::memory_order_relaxed); }

namespace {
std::string& bad_fork() {
  static auto* reason = new std::string();  // written once, in the child, before any other thread exists
  return *reason;
}
}  // namespace

void set_bad_fork(const char* reason) { bad_fork() = reason ? reason : ""; }

const char* bad_fork_reason() { return bad_fork().c_str(); }

}  // namespace flagos::fork_locks
