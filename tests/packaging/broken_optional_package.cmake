# ctest script: hk configures with an optional package whose CMake config fails inside
# itself (tests/packaging/broken_dnnl), reports it as left out, and goes on.
#   -DSOURCE_DIR -DWORK_DIR -DGENERATOR
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR} -G ${GENERATOR} -DHK_ENABLE_CUDA=OFF
                        -DHK_BUILD_TESTS=OFF -DHK_BUILD_BENCH=ON -Ddnnl_DIR=${SOURCE_DIR}/tests/packaging/broken_dnnl
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "a broken optional package stopped hk's configure:\n${out}")
endif()
string(REGEX REPLACE "[ \t\r\n]+" " " flat "${out}")
if(NOT flat MATCHES "optional dnnl left out: installed, but its CMake package failed to load: Could not find a package configuration file provided by \"HkNoSuchDependencyForTheProbeTest\"")
  message(FATAL_ERROR "the configure log does not say why oneDNN was left out:\n${out}")
endif()
if(NOT out MATCHES "oneDNN OFF")
  message(FATAL_ERROR "oneDNN was not left out:\n${out}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
