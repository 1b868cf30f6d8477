// hk-bench's subcommands. Each returns the process exit status.
#pragma once

#include <string>

#include "run/cli.hpp"
#include "run/results.hpp"

namespace hk_bench {

int run_command(const Args& args);      // run.cpp
int list_command();                     // run.cpp
int sweep_command(const Args& args);    // sweep.cpp
int explain_command(const Args& args);  // explain.cpp
int resources_command();                // resources.cpp
int model_command(const Args& args);    // model/model.cpp

// What `run` measures, without printing it (run.cpp; hk.bench in Python prints nothing either).
Report run_report(const Args& args);
// 0 when everything run was correct, 1 when something failed validation, 2 after an error.
int exit_status(const Report& report);

// Shared by run and sweep: writes the report (stdout or --output, plus --html).
void emit(const Report& report, const Args& args, const std::string& table_text);

}  // namespace hk_bench
