// Internal: one object per thread that stays usable for the whole life of the thread.
//
// A plain `thread_local T` is destroyed when its thread exits, and for the main thread that
// happens before static objects are destroyed: an hk op called from a static object's
// destructor would find it gone. thread_object<T>(make) deletes the thread's object when
// the thread exits, like a thread_local, but a call after that makes a new one (left to
// the process's end: by then the thread is exiting).
#pragma once

#include <utility>

namespace hk::detail {

// `make()` returns a new T*. Each call site (each `make` type) has its own object.
template <class T, class Make> T& thread_object(Make make) {
  static constinit thread_local T* object = nullptr;  // trivially destructible: never goes away
  if (!object) {
    object = make();
    // Registered after T's construction, so destroyed before whatever T's constructor made.
    struct Owner {
      ~Owner() { delete std::exchange(object, nullptr); }
    };
    static thread_local Owner owner;
    (void)owner;
  }
  return *object;
}

}  // namespace hk::detail
