// The Catch2 main for cnnlab_tests: all test_*.cpp files link into this one executable.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
