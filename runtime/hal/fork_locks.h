// Runtime locks that stay usable across fork().
//
// fork() copies only the calling thread: a lock another thread held at that moment stays locked in
// the child for ever, and the child's next allocation (say) hangs. Every long-lived runtime mutex
// is registered here; before a fork the forking thread takes them all (outer locks first, by
// rank, so the order agrees with how the runtime nests them), and after it both processes release
// them. The child therefore starts with every lock free and every structure consistent.
#pragma once

#include <new>

namespace flagos::fork_locks {

// Lower ranks are outer locks (taken first): a lock is never acquired while one of a higher rank
// is held.
enum Rank : int {
  kRouting = 10,       // routing table, registration, plans, trace
  kRegistration = 11,
  kPlans = 12,
  kTrace = 13,
  kGenerators = 30,    // default generators' engines (a random kernel may allocate while drawing)
  kPinnedMemory = 50,  // pinned host allocator (calls the HAL)
  kDeviceMemory = 60,  // caching allocator (calls the HAL)
  kHal = 90,           // HAL implementations' own bookkeeping
};

using LockFn = void (*)(void*);

// Registers a lock for the fork protocol (for the lifetime of the process: locks registered here
// must be leaked, never destroyed). `release` runs in the parent after the fork; in the child,
// `reset` makes the lock new and free instead: the thread that took it has another id there, and a
// reader-writer lock would not accept its unlock.
void guard(void* lock, LockFn acquire, LockFn release, LockFn reset, int rank);

template <typename Mutex>
void guard(Mutex& m, int rank) {
  guard(
      &m, [](void* p) { static_cast<Mutex*>(p)->lock(); }, [](void* p) { static_cast<Mutex*>(p)->unlock(); },
      [](void* p) { new (p) Mutex(); }, rank);
}

// Forks survived so far, as seen from this process: 0 in a process not created by fork() from one
// with the runtime loaded.
int forks_in_ancestry();

// A forked child whose platform's device runtime did not survive the fork (flagos/device/_fork.py
// decides, per platform) records why; HAL errors in it then carry the reason and the fix.
void set_bad_fork(const char* reason);
const char* bad_fork_reason();  // empty unless set

}  // namespace flagos::fork_locks
