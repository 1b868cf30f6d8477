// Printing a Report: a terminal table, markdown, CSV, JSON (schema: bench/hk-bench.schema.json)
// and a self-contained HTML page with SVG charts (html_report.cpp).
#pragma once

#include <string>
#include <vector>

#include "run/results.hpp"

namespace hk_bench {

enum class Format { table, markdown, csv, json };
Format parse_format(const std::string& name);  // InvalidArgument for anything else

std::string format_report(const Report& report, Format format);
std::string format_table(const Report& report);
std::string format_markdown(const Report& report);
std::string format_csv(const Report& report);
std::string format_json(const Report& report);
std::string format_html(const Report& report);

// The table of one op as cells (shared by the terminal, markdown and HTML outputs): one line
// per timed, failed or skipped row; cuda_sim checks and notes go to the footnotes.
struct TableCells {
  std::vector<std::string> header;
  std::vector<bool> right;  // right-align this column
  std::vector<std::vector<std::string>> rows;
};
TableCells table_cells(const Table& table);
// Below a table: failures with their reason, rows not timed, cuda_sim checks, notes.
std::vector<std::string> table_footnotes(const Table& table);

// A JSON string: quoted and escaped (format_data.cpp; explain's JSON uses it too).
std::string json_string(const std::string& s);

// Shared number formatting: "252.5", "0.0123"; "1.1", "440"; "12.3%"; "13.5x".
std::string fmt_ms(double ms);
std::string fmt_seconds(double s, int significant = 3);  // "0.5", "0.001", "12.3", "3600"
std::string fmt_rate(double v);
std::string fmt_percent(double p);
std::string fmt_ratio(double r);
std::string fmt_time_range(const Timing& t);  // "252.5 (249.4–305.5)"

}  // namespace hk_bench
