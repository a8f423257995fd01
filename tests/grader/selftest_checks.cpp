// selftest_checks.cpp — checks that misbehave on purpose, to test the grader itself.
//
// Contract: linked with exercises/grader/*.cpp instead of the real checks into
// cnnlab-grade-selftest; tests/grader/grader_selftest.py runs it and asserts that each kind of
// misbehaviour lands in the report as it should: a pass, a failure with its diagnosis, a stub
// ("not implemented yet"), a crash and an endless loop (both cost that exercise only), and an
// exercise blocked by an unfinished prerequisite.
#include "check.hpp"

#include <cnnlab/core/error.hpp>

#include <csignal>
#include <cstdio>

using namespace cnnlab::grade;

GRADE_CHECK(1, "passes") {}
GRADE_CHECK(2, "passes too") {}
GRADE_CHECK(2, "finds 3 where 3.5 was expected") {
  expect_close("y", std::vector<float>{1, 2, 3, 4}, std::vector<float>{1, 2, 3.5f, 4}, {2, 2});
}
GRADE_CHECK(3, "calls a stub") { cnnlab::not_implemented("exercise 3: linear_forward"); }
GRADE_CHECK(4, "prints, then crashes") {
  std::printf("about to crash\n");
  std::fflush(stdout);
  std::raise(SIGSEGV);
}
GRADE_CHECK(5, "never returns") {
  volatile unsigned spin = 0;
  for (;;) spin = spin + 1u;
}
GRADE_CHECK(6, "passes") {}
GRADE_CHECK(7, "passes") {}
GRADE_CHECK(8, "passes") {}
GRADE_CHECK(9, "passes") {}
GRADE_CHECK(10, "is blocked by exercise 3") {}
GRADE_CHECK(11, "passes") {}
GRADE_CHECK(12, "expects an error that never comes") {
  expect_error("conv2d", [] {}, "does not fit");
}
