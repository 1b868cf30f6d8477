// Inline SVG charts for the HTML report: horizontal bars (the ladder, % of peak) and lines
// (size and thread sweeps). Plain SVG with explicit sizes and colours: no scripts, no fonts
// or styles from the network, so the page renders the same offline and in print.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hk_bench {

struct Bar {
  std::string label;  // "parallel (2 threads)"
  double value = 0;   // bar length (% of peak); ignored when failed
  std::string text;   // printed after the bar: "312 GFLOP/s · 70%"
  bool peer = false;
  bool failed = false;
};

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
  bool peer = false;
  bool dashed = false;
};

std::string escape_xml(const std::string& s);

// Bars scaled to max(100, largest value); a dashed line marks 100 (the machine's peak).
std::string bar_chart(const std::string& id, const std::string& title, const std::vector<Bar>& bars);

// Lines over x (log2 axis when log_x); an optional vertical marker (the crossover) and a
// note printed inside the plot (e.g. why there is no crossover). Points that can't be placed
// (not finite, or x ≤ 0 on a log axis) are left out.
std::string line_chart(const std::string& id, const std::string& title, const std::vector<Series>& series,
                       const std::string& x_label, const std::string& y_label, bool log_x,
                       std::optional<std::pair<double, std::string>> marker, const std::string& note);

}  // namespace hk_bench
