// xo_dataset.cpp — the X/O image generator (see cnnlab/data/xo_dataset.hpp for the contract).
//
// Each image is drawn in three steps:
//   1. draw its augmentation: scale s, rotation θ, shift (dx, dy), stroke width w, always in
//      this order and always all five (so one image's draws never depend on the options of
//      another), from std::mt19937_64 mapped to [0, 1) by uniform01() below;
//   2. place the figure: the X's four segment ends c + (dx, dy) + s·R(θ)·(±a, ±a), or the O's
//      centre c + (dx, dy) and radius s·a (rotating a circle changes nothing);
//   3. paint every pixel whose centre is within w/2 of the figure with 255 (ink), the others 0.
// What this file is not: an anti-aliased renderer (pixels are ink or background, like the
// lecture's ±1 tables) or a handwriting model.
#include <cnnlab/core/error.hpp>
#include <cnnlab/data/xo_dataset.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <vector>

namespace cnnlab {
namespace {

// The top 53 bits of one 64-bit draw as a double in [0, 1): the same on every platform.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * uniform01(rng);
}

struct Point {
  double x, y;
};

// Distance from p to the segment a-b.
double distance_to_segment(Point p, Point a, Point b) {
  const double ux = b.x - a.x, uy = b.y - a.y;
  const double length2 = ux * ux + uy * uy;
  double t = length2 > 0 ? ((p.x - a.x) * ux + (p.y - a.y) * uy) / length2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(p.x - (a.x + t * ux), p.y - (a.y + t * uy));
}

void check_options(const XoOptions& o) {
  auto bad = [](const std::string& rule) { throw Error("make_xo_dataset: " + rule); };
  if (o.count < 1 || o.count > 100'000'000)
    bad("count must be in [1, 100000000], got " + std::to_string(o.count));
  if (o.size < 5 || o.size > 1024) bad("size must be in [5, 1024], got " + std::to_string(o.size));
  // Written as !(x >= ...) so that NaN fails too.
  if (!(o.max_shift >= 0) || !std::isfinite(o.max_shift))
    bad("max_shift must be finite and >= 0, got " + std::to_string(o.max_shift));
  if (!(o.min_scale > 0) || !std::isfinite(o.max_scale) || !(o.max_scale >= o.min_scale))
    bad("need 0 < min_scale <= max_scale (finite), got min_scale " + std::to_string(o.min_scale) +
        ", max_scale " + std::to_string(o.max_scale));
  if (!(o.max_rotation_degrees >= 0) || !std::isfinite(o.max_rotation_degrees))
    bad("max_rotation_degrees must be finite and >= 0, got " +
        std::to_string(o.max_rotation_degrees));
  if (!(o.min_stroke > 0) || !std::isfinite(o.max_stroke) || !(o.max_stroke >= o.min_stroke))
    bad("need 0 < min_stroke <= max_stroke (finite), got min_stroke " +
        std::to_string(o.min_stroke) + ", max_stroke " + std::to_string(o.max_stroke));
}

}  // namespace

Dataset make_xo_dataset(const XoOptions& o) {
  check_options(o);
  Dataset d;
  d.name = "xo";
  d.channels = 1;
  d.height = o.size;
  d.width = o.size;
  d.class_names = {"X", "O"};
  const auto n = static_cast<size_t>(o.size);
  d.images.assign(static_cast<size_t>(o.count) * n * n, 0);
  d.labels.resize(static_cast<size_t>(o.count));

  std::mt19937_64 rng(o.seed);
  const double c = static_cast<double>(o.size - 1) / 2.0;  // the canvas centre
  const double a = c - 1.0;                                // arm length / radius: 1 pixel margin
  for (int64_t i = 0; i < o.count; ++i) {
    // 1. The augmentation, always five draws in this order.
    const double s = uniform(rng, o.min_scale, o.max_scale);
    const double degrees = uniform(rng, -o.max_rotation_degrees, o.max_rotation_degrees);
    const double dx = uniform(rng, -o.max_shift, o.max_shift);
    const double dy = uniform(rng, -o.max_shift, o.max_shift);
    const double half_stroke = uniform(rng, o.min_stroke, o.max_stroke) / 2.0;
    const bool is_x = i % 2 == 0;
    d.labels[static_cast<size_t>(i)] = is_x ? 0 : 1;

    // 2. The figure: the X's two diagonals (rotated) or the O's circle.
    const double theta = degrees * std::numbers::pi / 180.0;
    const double cos_t = std::cos(theta), sin_t = std::sin(theta);
    const Point centre{c + dx, c + dy};
    auto corner = [&](double u, double v) {  // centre + s·R(θ)·(u, v)
      return Point{centre.x + s * (cos_t * u - sin_t * v), centre.y + s * (sin_t * u + cos_t * v)};
    };
    const Point d1a = corner(-a, -a), d1b = corner(a, a);  // top-left to bottom-right
    const Point d2a = corner(a, -a), d2b = corner(-a, a);  // top-right to bottom-left
    const double radius = s * a;

    // 3. Paint: ink where the pixel centre is within half a stroke of the figure. The small
    // tolerance keeps pixels exactly on the edge (e.g. distance 0.5 for stroke 1) stable
    // against rounding in the last bit.
    uint8_t* image = d.images.data() + static_cast<size_t>(i) * n * n;
    for (size_t row = 0; row < n; ++row)
      for (size_t col = 0; col < n; ++col) {
        const Point p{static_cast<double>(col), static_cast<double>(row)};
        const double dist =
            is_x ? std::min(distance_to_segment(p, d1a, d1b), distance_to_segment(p, d2a, d2b))
                 : std::abs(std::hypot(p.x - centre.x, p.y - centre.y) - radius);
        if (dist <= half_stroke + 1e-9) image[row * n + col] = 255;
      }
  }
  return d;
}

}  // namespace cnnlab
