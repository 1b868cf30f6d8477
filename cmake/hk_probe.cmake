# hk_probe_package(<package> TARGETS <target>... [HINT <text>])
# Loads an optional CMake config package only if it can be loaded: a child configure and
# build (cmake/probe) first calls find_package(<package> CONFIG REQUIRED) and links its
# targets. A package's config file may itself require more (oneDNN's needs OpenCL), and
# such a failure inside it would otherwise stop hk's own configure. Sets <package>_PROBED
# to TRUE and imports the targets when it works; otherwise prints why it is left out and
# sets <package>_PROBE_REASON to that line.
# (try_compile's project form cannot be used: a failed configure there is an error.)
function(hk_probe_package package)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "HINT" "TARGETS")
  set(dir ${CMAKE_BINARY_DIR}/CMakeFiles/hk_probe/${package})
  file(REMOVE_RECURSE ${dir})
  set(hint_dir "")
  if(${package}_DIR)  # where the user pointed CMake (or a previous configure found it)
    set(hint_dir "-D${package}_DIR=${${package}_DIR}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${PROJECT_SOURCE_DIR}/cmake/probe -B ${dir} -G ${CMAKE_GENERATOR}
                          -DHK_PROBE_PACKAGE=${package} "-DHK_PROBE_TARGETS=${arg_TARGETS}" ${hint_dir}
                          -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} "-DCMAKE_PREFIX_PATH=${CMAKE_PREFIX_PATH}"
                          "-DCMAKE_TOOLCHAIN_FILE=${CMAKE_TOOLCHAIN_FILE}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
  if(rc EQUAL 0)
    execute_process(COMMAND ${CMAKE_COMMAND} --build ${dir} RESULT_VARIABLE rc OUTPUT_VARIABLE build_log
                    ERROR_VARIABLE build_log)
    string(APPEND log "${build_log}")
  endif()
  set(ok FALSE)
  if(rc EQUAL 0)
    set(ok TRUE)
    find_package(${package} CONFIG QUIET)
    foreach(target IN LISTS arg_TARGETS)
      if(NOT TARGET ${target})
        set(ok FALSE)
      endif()
    endforeach()
  endif()
  if(ok)
    set(${package}_PROBED TRUE PARENT_SCOPE)
    return()
  endif()
  # Why, in one line, for the configure log.
  # A dependency the package's own config asked for: "Could NOT find X (missing: ...)" from
  # a find module, or "... configuration file provided by "X"" for another package X.
  # (CMake wraps its messages: match on the log with whitespace runs made one space.)
  string(REGEX REPLACE "[ \t\r\n]+" " " flat "${log}")
  string(REGEX MATCH "Could NOT find [^ ]+ \\([^)]*\\)|Could not find a package configuration file provided by \"[^\"]*\""
         missing_dependency "${flat}")
  if(flat MATCHES "Could not find a package configuration file provided by \"${package}\"")
    set(reason "not installed")
  elseif(missing_dependency)
    set(reason "installed, but its CMake package failed to load: ${missing_dependency}")
  else()
    set(reason "installed, but it could not be loaded or linked (the probe's build is in ${dir})")
  endif()
  if(arg_HINT)
    string(APPEND reason ", ${arg_HINT}")
  endif()
  message(STATUS "hk: optional ${package} left out: ${reason}")
  set(${package}_PROBED FALSE PARENT_SCOPE)
  set(${package}_PROBE_REASON "${reason}" PARENT_SCOPE)
endfunction()
