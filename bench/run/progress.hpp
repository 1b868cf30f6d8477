// A progress bar on stderr: appears once a run has taken more than a second and a half,
// redraws in place, and erases itself at the end. Only when stderr is a terminal (or
// forced), so redirected output and test logs stay clean.
#pragma once

#include <chrono>
#include <string>

namespace hk_bench {

class Progress {
 public:
  enum class Mode { automatic, always, never };
  Progress(int total, Mode mode);
  ~Progress();
  void add_total(int more) { total_ += more; }
  // Starts step `label` (the step before it is done).
  void step(const std::string& label);
  void finish();  // erases the bar

 private:
  void draw();
  int total_, done_ = -1;
  bool enabled_, drawn_ = false;
  std::string label_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace hk_bench
