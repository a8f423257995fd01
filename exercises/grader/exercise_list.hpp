// exercise_list.hpp — the graded exercises: number, title, points, prerequisites, time limit.
//
// Contract: exercises() is the one list the grader, the handout tool (through
// `cnnlab-grade --list`) and the task pages agree on. An exercise's checks are run only when
// every prerequisite scored full points; otherwise the grader says which one to finish first.
#pragma once

#include <string>
#include <vector>

namespace cnnlab::grade {

/// @brief One exercise of the course.
struct Exercise {
  int number = 0;
  std::string name;          ///< short id, as in the stubs: "exercise 7: conv2d_forward"
  std::string title;         ///< what the student builds
  int points = 0;            ///< points for passing every check
  std::vector<int> prereqs;  ///< exercises whose code this one's checks call
  int time_limit_s = 60;     ///< wall-clock limit of the whole exercise (Release build)
  std::string page;          ///< its task page, relative to the repository root
};

/// @brief Every exercise, in course order (1, 2, ..., 12).
const std::vector<Exercise>& exercises();

/// @brief The exercise numbered @p number, or nullptr.
const Exercise* find_exercise(int number);

}  // namespace cnnlab::grade
