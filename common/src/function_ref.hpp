// Internal: FunctionRef, a non-owning reference to a callable — for callbacks that are
// only called during the call that receives them (the pool's loop bodies, the kernel body of
// one op). Unlike std::function it never allocates, which matters on paths every op takes.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace hk::detail {

template <class Sig> class FunctionRef;
template <class R, class... Args> class FunctionRef<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f) noexcept  // NOLINT: implicit by design
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, Args... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(a)...); }) {}
  R operator()(Args... a) const { return call_(obj_, std::forward<Args>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
};

}  // namespace hk::detail
