#include "run/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace hk_bench {

Progress::Progress(int total, Mode mode)
    : total_(total),
      enabled_(mode == Mode::always || (mode == Mode::automatic && isatty(STDERR_FILENO))),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { finish(); }

void Progress::step(const std::string& label) {
  ++done_;
  label_ = label;
  draw();
}

void Progress::draw() {
  if (!enabled_) return;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (elapsed < 1.5) return;
  const int width = 28;
  int total = std::max(total_, 1), done = std::clamp(done_, 0, total);
  int fill = width * done / total;
  std::string bar = std::string(size_t(fill), '#') + std::string(size_t(width - fill), '.');
  std::string label = label_.size() > 44 ? label_.substr(0, 43) + "~" : label_;
  std::fprintf(stderr, "\r\033[K[%s] %d/%d %5.0fs  %s", bar.c_str(), done, total, elapsed, label.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace hk_bench
