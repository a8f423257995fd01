// error.cpp — the one message format of UnsupportedOp.
#include <cnnlab/core/error.hpp>

namespace cnnlab {

UnsupportedOp::UnsupportedOp(const std::string& op, const std::string& backend)
    : Error(op + ": the " + backend +
            " backend does not support this operation; move the "
            "tensors to a backend that does with Tensor::to(), e.g. the reference backend") {}

}  // namespace cnnlab
