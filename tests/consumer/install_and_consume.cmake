# ctest script: install hk from the build tree into a scratch prefix, then use it the ways
# users do, from that prefix only: the installed hk-bench starts (its install RPATH finds
# libhk), and an outside program builds and runs through find_package(hk) and through
# pkg-config (hk.pc).
#   -DHK_BUILD_DIR -DWORK_DIR -DCONSUMER_SOURCE -DGENERATOR -DCXX -DWITH_BENCH=ON|OFF
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
  message(STATUS "${what}: ok")
  set(out "${out}" PARENT_SCOPE)
endfunction()

run("cmake --install" ${CMAKE_COMMAND} --install ${HK_BUILD_DIR} --prefix ${prefix})

if(WITH_BENCH)
  # No LD_LIBRARY_PATH: the program must find libhk through its own RPATH.
  run("the installed hk-bench list" ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${prefix}/bin/hk-bench list)
  if(NOT out MATCHES "cpu")
    message(FATAL_ERROR "the installed hk-bench list printed no backends:\n${out}")
  endif()
endif()

run("configuring the consumer project" ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run("building the consumer project" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
file(GLOB consumer ${WORK_DIR}/build/consumer ${WORK_DIR}/build/*/consumer)  # Multi-Config: a subfolder
run("the find_package(hk) consumer" ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${consumer})

file(GLOB_RECURSE pc_file ${prefix}/hk.pc)
if(NOT pc_file)
  message(FATAL_ERROR "no hk.pc installed under ${prefix}")
endif()
get_filename_component(pc_dir ${pc_file} DIRECTORY)
run("pkg-config --cflags --libs hk" ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${pc_dir} pkg-config --cflags --libs hk)
separate_arguments(pc_flags UNIX_COMMAND "${out}")
run("building the consumer through pkg-config" ${CXX} -std=c++20 ${CONSUMER_SOURCE}/main.cpp ${pc_flags}
    -o ${WORK_DIR}/consumer-pkg-config)
run("the pkg-config consumer" ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${WORK_DIR}/consumer-pkg-config)
