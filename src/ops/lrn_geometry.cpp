// lrn_geometry.cpp — the checks of local response normalisation's shape and settings.
//
// Contract: lrn_geometry() is the only place that decides whether an LRN's input and settings
// make sense; its messages name the op, the setting (or shape) and the rule.
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/lrn_geometry.hpp>

#include <cmath>
#include <sstream>
#include <string>

namespace cnnlab {

namespace {
std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

LrnGeometry lrn_geometry(const char* op, const Shape& x, const LrnParams& p) {
  const std::string name(op);
  if (x.size() != 4)
    throw Error(name + ": input x must be 4-D [N, C, H, W], got shape " + to_string(x));
  require_positive(x, name + ": input x");
  if (p.size < 1) throw Error(name + ": size must be at least 1 channel, got " + num(p.size));
  if (!std::isfinite(p.alpha) || p.alpha < 0)
    throw Error(name + ": alpha must be a finite number >= 0, got " + num(p.alpha));
  if (!std::isfinite(p.beta) || p.beta < 0)
    throw Error(name + ": beta must be a finite number >= 0, got " + num(p.beta));
  if (!std::isfinite(p.k) || !(p.k > 0))
    throw Error(name +
                ": k must be a finite number > 0 (the denominator k + alpha/size * sum "
                "of squares must stay positive), got " +
                num(p.k));
  LrnGeometry g;
  g.N = x[0];
  g.C = x[1];
  g.H = x[2];
  g.W = x[3];
  g.size = p.size;
  g.before = p.size / 2;
  g.after = (p.size - 1) / 2;
  g.alpha = p.alpha;
  g.beta = p.beta;
  g.k = p.k;
  return g;
}

}  // namespace cnnlab
