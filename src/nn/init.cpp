// init.cpp — He and Xavier initialisation, drawn portably from a 64-bit Mersenne Twister.
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/init.hpp>

#include <cmath>
#include <numbers>

namespace cnnlab {

std::string to_string(Init init) {
  switch (init) {
    case Init::he_uniform:
      return "he_uniform";
    case Init::he_normal:
      return "he_normal";
    case Init::xavier_uniform:
      return "xavier_uniform";
    case Init::xavier_normal:
      return "xavier_normal";
  }
  return "?";
}

Init init_from_string(const std::string& name) {
  for (Init i : {Init::he_uniform, Init::he_normal, Init::xavier_uniform, Init::xavier_normal})
    if (to_string(i) == name) return i;
  throw Error("unknown initialisation '" + name +
              "' (expected he_uniform, he_normal, xavier_uniform or xavier_normal)");
}

double init_variance(Init init, int64_t fan_in, int64_t fan_out) {
  if (fan_in <= 0 || fan_out <= 0) throw Error("init: fan_in and fan_out must be positive");
  const bool he = init == Init::he_uniform || init == Init::he_normal;
  return he ? 2.0 / double(fan_in) : 2.0 / double(fan_in + fan_out);
}

double uniform01(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }

std::vector<float> init_weights(Init init, int64_t n, int64_t fan_in, int64_t fan_out,
                                std::mt19937_64& rng) {
  const double var = init_variance(init, fan_in, fan_out);
  std::vector<float> w(static_cast<size_t>(n));
  if (init == Init::he_uniform || init == Init::xavier_uniform) {
    const double a = std::sqrt(3.0 * var);  // U(-a, a) has variance a²/3
    for (float& v : w) v = float((2.0 * uniform01(rng) - 1.0) * a);
  } else {
    const double sd = std::sqrt(var);
    for (size_t i = 0; i < w.size(); i += 2) {  // Box–Muller: two normals per two uniforms
      const double u1 = 1.0 - uniform01(rng), u2 = uniform01(rng);  // u1 in (0, 1]
      const double r = std::sqrt(-2.0 * std::log(u1)), t = 2.0 * std::numbers::pi * u2;
      w[i] = float(sd * r * std::cos(t));
      if (i + 1 < w.size()) w[i + 1] = float(sd * r * std::sin(t));
    }
  }
  return w;
}

}  // namespace cnnlab
