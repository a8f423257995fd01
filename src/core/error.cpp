// error.cpp — the message formats of UnsupportedOp and NotImplemented.
#include <cnnlab/core/error.hpp>

#include <cstdlib>

namespace cnnlab {

UnsupportedOp::UnsupportedOp(const std::string& op, const std::string& backend)
    : Error(op + ": the " + backend +
            " backend does not support this operation; move the "
            "tensors to a backend that does with Tensor::to(), e.g. the reference backend") {}

namespace {
/// N from "exercise N: ...", or 0.
int exercise_number(const std::string& what) {
  const std::string prefix = "exercise ";
  if (what.rfind(prefix, 0) != 0) return 0;
  return std::atoi(what.c_str() + prefix.size());
}
}  // namespace

NotImplemented::NotImplemented(const std::string& what)
    : Error(what + " is not implemented yet (a graded exercise: see exercises/README.md" +
            (exercise_number(what) > 0
                 ? "; check it with scripts/grade.sh --only " + std::to_string(exercise_number(what))
                 : std::string()) +
            ")"),
      exercise_(exercise_number(what)) {}

}  // namespace cnnlab
