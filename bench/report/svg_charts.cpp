#include "report/svg_charts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace hk_bench {

namespace {

const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                          "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string tick(double v) {
  char buf[32];
  if (v >= 1e6 && std::fmod(v, 1048576) == 0) std::snprintf(buf, sizeof buf, "%gMi", v / 1048576);
  else if (v >= 1e4 && std::fmod(v, 1024) == 0) std::snprintf(buf, sizeof buf, "%gKi", v / 1024);
  else std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above v.
double nice_ceiling(double v) {
  if (v <= 0) return 1;
  double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

}  // namespace

std::string escape_xml(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string bar_chart(const std::string& id, const std::string& title, const std::vector<Bar>& bars) {
  const int width = 760, label_w = 210, text_w = 170, bar_h = 22, gap = 8, top = 34, bottom = 30;
  const int plot_w = width - label_w - text_w;
  const int height = top + int(bars.size()) * (bar_h + gap) + bottom;
  double max_v = 100;
  for (const Bar& b : bars)
    if (!b.failed) max_v = std::max(max_v, b.value);
  max_v = nice_ceiling(max_v);
  auto x = [&](double v) { return label_w + plot_w * v / max_v; };
  std::ostringstream s;
  s << "<svg id=\"" << escape_xml(id) << "\" class=\"chart bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
    << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " " << height << "\" role=\"img\" aria-label=\""
    << escape_xml(title) << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s << "<title>" << escape_xml(title) << "</title>\n";
  s << "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">" << escape_xml(title) << "</text>\n";
  for (double v = 0; v <= max_v + 1e-9; v += max_v / 5) {
    s << "<line x1=\"" << num(x(v)) << "\" y1=\"" << top - 4 << "\" x2=\"" << num(x(v)) << "\" y2=\"" << height - bottom
      << "\" stroke=\"#e4e4e4\"/>\n";
    s << "<text x=\"" << num(x(v)) << "\" y=\"" << height - bottom + 14 << "\" text-anchor=\"middle\" fill=\"#666\">"
      << num(v).substr(0, num(v).size() - 2) << "%</text>\n";
  }
  s << "<line x1=\"" << num(x(100)) << "\" y1=\"" << top - 6 << "\" x2=\"" << num(x(100)) << "\" y2=\"" << height - bottom
    << "\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\n";
  s << "<text x=\"" << num(x(100)) << "\" y=\"" << top - 9 << "\" text-anchor=\"middle\" fill=\"#c00\">peak</text>\n";
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    int y = top + int(i) * (bar_h + gap);
    s << "<text x=\"" << label_w - 8 << "\" y=\"" << y + bar_h * 0.7 << "\" text-anchor=\"end\" fill=\"#222\">"
      << escape_xml(b.label) << "</text>\n";
    if (b.failed) {
      s << "<rect class=\"failed\" x=\"" << label_w << "\" y=\"" << y << "\" width=\"" << plot_w << "\" height=\"" << bar_h
        << "\" fill=\"#fdecea\" stroke=\"#c00\"/>\n<text x=\"" << label_w + 8 << "\" y=\"" << y + bar_h * 0.7
        << "\" fill=\"#c00\" font-weight=\"bold\">FAILED validation — no number</text>\n";
      continue;
    }
    double w = std::max(1.0, x(b.value) - label_w);
    s << "<rect class=\"bar\" x=\"" << label_w << "\" y=\"" << y << "\" width=\"" << num(w) << "\" height=\"" << bar_h
      << "\" fill=\"" << (b.peer ? "#9c9c9c" : "#4e79a7") << "\"/>\n";
    // The value goes after the bar, or after the peak line when it would be drawn across it
    // (a bar at 80–99% of peak); ~6.5 px per character at this font size.
    double text_x = label_w + w + 6;
    if (text_x < x(100) && text_x + 6.5 * double(b.text.size()) > x(100) - 2) text_x = x(100) + 6;
    s << "<text x=\"" << num(text_x) << "\" y=\"" << y + bar_h * 0.7 << "\" fill=\"#222\">" << escape_xml(b.text)
      << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

std::string line_chart(const std::string& id, const std::string& title, const std::vector<Series>& given,
                       const std::string& x_label, const std::string& y_label, bool log_x,
                       std::optional<std::pair<double, std::string>> marker, const std::string& note) {
  const int width = 760, height = 280, left = 64, right = 190, top = 34, bottom = 46;
  const int plot_w = width - left - right, plot_h = height - top - bottom;
  // A point the axes cannot place (a value that isn't finite, or x ≤ 0 on a log axis, such
  // as a zero size) is left out: drawn, it would be a NaN coordinate.
  auto placeable = [&](double px, double py) { return std::isfinite(px) && std::isfinite(py) && (!log_x || px > 0); };
  std::vector<Series> series;
  for (const Series& se : given) {
    Series kept = se;
    kept.points.clear();
    for (auto [px, py] : se.points)
      if (placeable(px, py)) kept.points.emplace_back(px, py);
    series.push_back(std::move(kept));
  }
  if (marker && !placeable(marker->first, 0)) marker.reset();
  double x0 = 1e300, x1 = -1e300, y1 = 0;
  for (const Series& se : series)
    for (auto [px, py] : se.points) {
      x0 = std::min(x0, px);
      x1 = std::max(x1, px);
      y1 = std::max(y1, py);
    }
  if (x0 > x1) x0 = 1, x1 = 2;
  if (x0 == x1) x1 = x0 > 0 ? x0 * 2 : x0 + 1;
  y1 = nice_ceiling(y1 * 1.05);
  auto fx = [&](double v) {
    double t = log_x ? (std::log2(v) - std::log2(x0)) / (std::log2(x1) - std::log2(x0)) : (v - x0) / (x1 - x0);
    return left + plot_w * t;
  };
  auto fy = [&](double v) { return top + plot_h * (1 - v / y1); };
  std::ostringstream s;
  s << "<svg id=\"" << escape_xml(id) << "\" class=\"chart lines\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
    << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " " << height << "\" role=\"img\" aria-label=\""
    << escape_xml(title) << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s << "<title>" << escape_xml(title) << "</title>\n";
  s << "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">" << escape_xml(title) << "</text>\n";
  s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plot_w << "\" height=\"" << plot_h
    << "\" fill=\"none\" stroke=\"#ccc\"/>\n";
  for (int i = 0; i <= 4; ++i) {
    double v = y1 * i / 4;
    s << "<line x1=\"" << left << "\" y1=\"" << num(fy(v)) << "\" x2=\"" << left + plot_w << "\" y2=\"" << num(fy(v))
      << "\" stroke=\"#eee\"/>\n<text x=\"" << left - 6 << "\" y=\"" << num(fy(v) + 4) << "\" text-anchor=\"end\" fill=\"#666\">"
      << tick(v) << "</text>\n";
  }
  std::vector<double> xs;
  for (const Series& se : series)
    for (auto [px, py] : se.points)
      if (std::find(xs.begin(), xs.end(), px) == xs.end()) xs.push_back(px);
  for (double v : xs)
    s << "<text x=\"" << num(fx(v)) << "\" y=\"" << top + plot_h + 16 << "\" text-anchor=\"middle\" fill=\"#666\">" << tick(v)
      << "</text>\n";
  s << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << height - 8 << "\" text-anchor=\"middle\" fill=\"#444\">"
    << escape_xml(x_label) << "</text>\n";
  s << "<text x=\"14\" y=\"" << top + plot_h / 2 << "\" text-anchor=\"middle\" fill=\"#444\" transform=\"rotate(-90 14 "
    << top + plot_h / 2 << ")\">" << escape_xml(y_label) << "</text>\n";
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& se = series[i];
    const char* color = kPalette[i % 10];  // peers: their own colour, dashed
    std::string pts;
    for (auto [px, py] : se.points) pts += num(fx(px)) + "," + num(fy(py)) + " ";
    s << "<polyline class=\"series\" points=\"" << pts << "\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\""
      << (se.dashed || se.peer ? " stroke-dasharray=\"6 4\"" : "") << "/>\n";
    for (auto [px, py] : se.points)
      s << "<circle cx=\"" << num(fx(px)) << "\" cy=\"" << num(fy(py)) << "\" r=\"3\" fill=\"" << color << "\"/>\n";
    int ly = top + 10 + int(i) * 18;
    s << "<line x1=\"" << left + plot_w + 12 << "\" y1=\"" << ly - 4 << "\" x2=\"" << left + plot_w + 32 << "\" y2=\"" << ly - 4
      << "\" stroke=\"" << color << "\" stroke-width=\"2\"" << (se.dashed || se.peer ? " stroke-dasharray=\"6 4\"" : "")
      << "/>\n<text x=\"" << left + plot_w + 38 << "\" y=\"" << ly << "\" fill=\"#222\">" << escape_xml(se.name) << "</text>\n";
  }
  if (marker) {
    double mx = fx(marker->first);
    s << "<line class=\"crossover\" x1=\"" << num(mx) << "\" y1=\"" << top << "\" x2=\"" << num(mx) << "\" y2=\""
      << top + plot_h << "\" stroke=\"#c00\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n<text x=\"" << num(mx + 4)
      << "\" y=\"" << top + 14 << "\" fill=\"#c00\">" << escape_xml(marker->second) << "</text>\n";
  }
  if (!note.empty()) {
    // Top left of the plot, on a white ground so that lines never run through it.
    const double w = std::min<double>(plot_w - 12, 6.6 * double(note.size()) + 12);
    s << "<rect x=\"" << left + 6 << "\" y=\"" << top + 6 << "\" width=\"" << num(w) << "\" height=\"20\" fill=\"#fff\" "
      << "fill-opacity=\"0.9\" stroke=\"#e0b0b0\"/>\n<text class=\"note\" x=\"" << left + 12 << "\" y=\"" << top + 20
      << "\" fill=\"#a33\">" << escape_xml(note) << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace hk_bench
