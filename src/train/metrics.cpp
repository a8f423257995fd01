// metrics.cpp — metrics.csv, metrics.json and curves.svg of a training run.
//
// The SVG has two panels side by side: the training loss (a line through the within-epoch
// samples, dots at each epoch's test loss) and the accuracy (training and test, per epoch).
// Axes get round tick values; everything is plain SVG 1.1 text that any browser shows.
#include <cnnlab/core/error.hpp>
#include <cnnlab/train/metrics.hpp>

#include "src/io/file_io.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace cnnlab {
namespace {

using json = nlohmann::json;

// A "nice" step (1, 2 or 5 × 10^k) giving about @p ticks intervals over @p range.
double nice_step(double range, int ticks) {
  const double raw = range / ticks, mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

std::string fmt(double v, int precision = 4) {
  std::ostringstream s;
  s << std::setprecision(precision) << v;
  return s.str();
}

// One panel: a frame at (x0, y0) of size w×h, axes from [xmin, xmax] × [ymin, ymax].
struct Panel {
  double x0, y0, w, h, xmin, xmax, ymin, ymax;
  double px(double x) const { return x0 + (x - xmin) / (xmax - xmin) * w; }
  double py(double y) const { return y0 + h - (y - ymin) / (ymax - ymin) * h; }

  void frame(std::ostringstream& s, const std::string& title, const std::string& ylabel) const {
    s << "<rect x='" << x0 << "' y='" << y0 << "' width='" << w << "' height='" << h
      << "' fill='white' stroke='#444'/>\n";
    s << "<text x='" << x0 + w / 2 << "' y='" << y0 - 10 << "' text-anchor='middle' font-size='15'>"
      << title << "</text>\n";
    s << "<text x='" << x0 + w / 2 << "' y='" << y0 + h + 38
      << "' text-anchor='middle' font-size='13'>epoch</text>\n";
    s << "<text x='" << x0 - 48 << "' y='" << y0 + h / 2 << "' text-anchor='middle' "
      << "font-size='13' transform='rotate(-90 " << x0 - 48 << " " << y0 + h / 2 << ")'>" << ylabel
      << "</text>\n";
    const double xs = nice_step(xmax - xmin, 8), ys = nice_step(ymax - ymin, 6);
    for (double x = std::ceil(xmin / xs) * xs; x <= xmax + 1e-9; x += xs)
      s << "<line x1='" << px(x) << "' y1='" << y0 << "' x2='" << px(x) << "' y2='" << y0 + h
        << "' stroke='#eee'/><text x='" << px(x) << "' y='" << y0 + h + 16
        << "' text-anchor='middle' font-size='11'>" << fmt(x) << "</text>\n";
    for (double y = std::ceil(ymin / ys) * ys; y <= ymax + 1e-9; y += ys)
      s << "<line x1='" << x0 << "' y1='" << py(y) << "' x2='" << x0 + w << "' y2='" << py(y)
        << "' stroke='#eee'/><text x='" << x0 - 6 << "' y='" << py(y) + 4
        << "' text-anchor='end' font-size='11'>" << fmt(y) << "</text>\n";
  }
  void line(std::ostringstream& s, const std::vector<std::pair<double, double>>& pts,
            const std::string& color, bool dots) const {
    if (pts.empty()) return;
    s << "<polyline fill='none' stroke='" << color << "' stroke-width='2' points='";
    for (auto [x, y] : pts) s << px(x) << "," << py(y) << " ";
    s << "'/>\n";
    if (dots)
      for (auto [x, y] : pts)
        s << "<circle cx='" << px(x) << "' cy='" << py(y) << "' r='3.5' fill='" << color << "'/>\n";
  }
  // A legend row in the top right corner, or with @p bottom in the bottom right one (where
  // rising curves, like the accuracies, leave room).
  void legend(std::ostringstream& s, int row, const std::string& color, const std::string& text,
              bool bottom = false) const {
    const double ly = bottom ? y0 + h - 12 - 18 * (1 - row) : y0 + 18 + 18 * row;
    s << "<line x1='" << x0 + w - 150 << "' y1='" << ly - 4 << "' x2='" << x0 + w - 126 << "' y2='"
      << ly - 4 << "' stroke='" << color << "' stroke-width='3'/><text x='" << x0 + w - 120
      << "' y='" << ly << "' font-size='12'>" << text << "</text>\n";
  }
};

std::string xml_escape(const std::string& t) {
  std::string out;
  for (char c : t) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '\'')
      out += "&apos;";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string metrics_svg(const MetricsHistory& h, const std::string& title) {
  std::vector<std::pair<double, double>> train_loss, test_loss, train_acc, test_acc;
  for (const LossPoint& p : h.losses) train_loss.emplace_back(p.epoch, p.loss);
  for (const EpochMetrics& e : h.epochs) {
    test_loss.emplace_back(double(e.epoch), e.test_loss);
    train_acc.emplace_back(double(e.epoch), 100 * e.train_accuracy);
    test_acc.emplace_back(double(e.epoch), 100 * e.test_accuracy);
  }
  double xmax = 1, lmax = 0.1;
  for (auto [x, y] : train_loss) xmax = std::max(xmax, x), lmax = std::max(lmax, y);
  for (auto [x, y] : test_loss) xmax = std::max(xmax, x), lmax = std::max(lmax, y);
  double amin = 100;
  for (auto [x, y] : train_acc) amin = std::min(amin, y);
  for (auto [x, y] : test_acc) amin = std::min(amin, y);
  amin = std::max(0.0, std::floor(std::min(amin, 90.0) / 10) * 10);

  std::ostringstream s;
  s << std::fixed << std::setprecision(1);
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='1000' height='420' "
       "font-family='sans-serif'>\n<rect width='1000' height='420' fill='#fafafa'/>\n";
  s << "<text x='500' y='24' text-anchor='middle' font-size='17'>" << xml_escape(title)
    << "</text>\n";
  const Panel loss{80, 60, 380, 300, 0, xmax, 0, lmax * 1.05};
  loss.frame(s, "loss (softmax cross-entropy)", "loss");
  loss.line(s, train_loss, "#1f77b4", false);
  loss.line(s, test_loss, "#d62728", true);
  loss.legend(s, 0, "#1f77b4", "training (batches)");
  loss.legend(s, 1, "#d62728", "test (per epoch)");
  const Panel acc{580, 60, 380, 300, 0, xmax, amin, 100};
  acc.frame(s, "accuracy", "accuracy (%)");
  acc.line(s, train_acc, "#1f77b4", true);
  acc.line(s, test_acc, "#d62728", true);
  acc.legend(s, 0, "#1f77b4", "training", /*bottom=*/true);
  acc.legend(s, 1, "#d62728", "test", /*bottom=*/true);
  s << "</svg>\n";
  return s.str();
}

std::string metrics_to_json(const MetricsHistory& h) {
  json j;
  j["epochs"] = json::array();
  for (const EpochMetrics& e : h.epochs)
    j["epochs"].push_back({{"epoch", e.epoch},
                           {"train_loss", e.train_loss},
                           {"train_accuracy", e.train_accuracy},
                           {"test_loss", e.test_loss},
                           {"test_accuracy", e.test_accuracy},
                           {"lr", e.lr},
                           {"seconds", e.seconds},
                           {"images_per_second", e.images_per_second},
                           {"elapsed_seconds", e.elapsed_seconds}});
  j["train_loss_curve"] = json::array();
  for (const LossPoint& p : h.losses) j["train_loss_curve"].push_back({p.epoch, p.loss});
  return j.dump(1);
}

MetricsHistory metrics_from_json(const std::string& text, const std::string& source) {
  try {
    const json j = json::parse(text);
    MetricsHistory h;
    for (const json& e : j.at("epochs"))
      h.epochs.push_back({.epoch = e.at("epoch").get<int64_t>(),
                          .train_loss = e.at("train_loss").get<double>(),
                          .train_accuracy = e.at("train_accuracy").get<double>(),
                          .test_loss = e.at("test_loss").get<double>(),
                          .test_accuracy = e.at("test_accuracy").get<double>(),
                          .lr = e.at("lr").get<double>(),
                          .seconds = e.at("seconds").get<double>(),
                          .images_per_second = e.at("images_per_second").get<double>(),
                          .elapsed_seconds = e.at("elapsed_seconds").get<double>()});
    for (const json& p : j.at("train_loss_curve"))
      h.losses.push_back({.epoch = p.at(0).get<double>(), .loss = p.at(1).get<double>()});
    return h;
  } catch (const json::exception& e) {
    throw Error(source + ": the metrics history is not valid (" + e.what() + ")");
  }
}

void write_metrics(const std::string& dir, const MetricsHistory& h, const std::string& title) {
  std::ostringstream csv;
  csv << "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds,images_per_second,"
         "elapsed_seconds\n"
      << std::setprecision(6);
  for (const EpochMetrics& e : h.epochs)
    csv << e.epoch << "," << e.train_loss << "," << e.train_accuracy << "," << e.test_loss << ","
        << e.test_accuracy << "," << e.lr << "," << e.seconds << "," << e.images_per_second << ","
        << e.elapsed_seconds << "\n";
  const std::string files[3][2] = {{dir + "/metrics.csv", csv.str()},
                                   {dir + "/metrics.json", metrics_to_json(h) + "\n"},
                                   {dir + "/curves.svg", metrics_svg(h, title)}};
  for (const auto& [path, text] : files)
    io_detail::write_file_atomically(path, "cannot write " + path, {text});
}

}  // namespace cnnlab
