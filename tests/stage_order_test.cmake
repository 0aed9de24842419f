# The stage order holds, and both guards refuse a wrong-way include:
#   1. the source tree passes cmake/check_stage_order.cmake;
#   2. that check fails, naming the file and the header, on a tree where
#      util includes match;
#   3. a file compiled against util's include root cannot include a match
#      header at all (the compiler does not find it).
# cmake -DSOURCE_DIR= -DORDER= -DROOTS= -DCXX= -DWORK= -P stage_order_test.cmake
cmake_minimum_required(VERSION 3.22)
set(check "${SOURCE_DIR}/cmake/check_stage_order.cmake")

execute_process(COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${SOURCE_DIR} -DORDER=${ORDER} -P "${check}"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the source tree breaks the stage order:\n${err}")
endif()

file(REMOVE_RECURSE "${WORK}")
file(WRITE "${WORK}/src/util/wrong.h" "#include \"match/matcher.h\"\n")
file(WRITE "${WORK}/src/match/matcher.h" "// empty\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${WORK} -DORDER=${ORDER} -P "${check}"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "src/util/wrong.h: includes \"match/matcher.h\"")
  message(FATAL_ERROR "the check let util include match (exit ${rc}):\n${err}")
endif()

file(WRITE "${WORK}/wrong.cc" "#include \"match/matcher.h\"\n")
execute_process(COMMAND "${CXX}" -std=c++20 -fsyntax-only -I "${ROOTS}/util" -I "${SOURCE_DIR}/include"
                        "${WORK}/wrong.cc"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "match/matcher.h")
  message(FATAL_ERROR "util's include root let a match header in (exit ${rc}):\n${err}")
endif()
file(WRITE "${WORK}/right.cc" "#include \"match/matcher.h\"\n")
execute_process(COMMAND "${CXX}" -std=c++20 -fsyntax-only -I "${ROOTS}/compile" -I "${SOURCE_DIR}/include"
                        "${WORK}/right.cc"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0 AND err MATCHES "match/matcher.h: No such file")
  message(FATAL_ERROR "compile's include root does not hold match:\n${err}")
endif()
message(STATUS "stage order: held, and a wrong-way include is refused by the check and by the compiler")
