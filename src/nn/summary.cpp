// summary.cpp — per-layer output shapes, parameters and activations of a model, and the text
// table `cnnlab summary` prints.
//
// The activation rule (see summary.hpp): the input and every layer output count, except the
// outputs of layers that work in place (relu, sigmoid, tanh) or as a view (flatten); which
// those are comes from the table of layer types (model_layer_types(), OutputMemory).
// What this is not: a profiler; nothing here runs a layer.
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/summary.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace cnnlab {
namespace {

OutputMemory memory_of(const std::string& kind) {
  const LayerTypeInfo* info = find_layer_type(kind);
  return info == nullptr ? OutputMemory::kept : info->memory;
}

void add_layer(ModelSummary& m, LayerSummary row) {
  row.activations = numel(row.output);
  row.memory = memory_of(row.kind);
  row.counted = row.memory == OutputMemory::kept;
  if (row.depth == 0) m.total_parameters += row.parameters;  // inner rows: in their block's
  if (row.counted) m.total_activations += row.activations;
  m.layers.push_back(std::move(row));
}

ModelSummary start(const Shape& input_chw) {
  ModelSummary m;
  m.input = input_chw;
  m.input_values = numel(input_chw);
  m.total_activations = m.input_values;
  return m;
}

// "34.7 KiB", "12.3 MiB" for a byte count.
std::string mib(int64_t bytes) {
  char s[32];
  const double b = static_cast<double>(bytes);
  if (b < 1024.0 * 1024.0)
    std::snprintf(s, sizeof s, "%.1f KiB", b / 1024.0);
  else
    std::snprintf(s, sizeof s, "%.1f MiB", b / (1024.0 * 1024.0));
  return s;
}

}  // namespace

std::string with_thousands(int64_t n) {
  const uint64_t magnitude =
      n < 0 ? uint64_t{0} - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  const std::string digits = std::to_string(magnitude);
  std::string s;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return n < 0 ? "-" + s : s;
}

ModelSummary summarize(const Sequential& model, const Shape& input_chw) {
  if (input_chw.size() != 3)
    throw Error("summarize: the input must be one image's shape [C, H, W], got " +
                to_string(input_chw));
  require_positive(input_chw, "summarize: the input");
  ModelSummary m = start(input_chw);
  Shape shape = input_chw;
  for (size_t i = 0; i < model.size(); ++i) {
    Layer& layer = model.layer(i);
    Shape batched{1};
    batched.insert(batched.end(), shape.begin(), shape.end());
    LayerSummary row;
    row.name = model.layer_name(i);
    row.kind = layer.kind();
    row.description = layer.describe();
    try {
      const Shape out = layer.output_shape(batched);
      row.output = Shape(out.begin() + 1, out.end());
    } catch (const Error& e) {
      throw Error("summarize: layer " + std::to_string(i + 1) + " (" + row.name + ", " + row.kind +
                  ") with input " + to_string(shape) + ": " + e.what());
    }
    for (Parameter* p : layer.parameters())
      if (p->value.defined()) row.parameters += numel(p->value.shape());
    shape = row.output;
    add_layer(m, std::move(row));
  }
  return m;
}

namespace {
// One row per layer of @p specs; a composite layer's row is followed by its inner layers' rows,
// named by their path inside it ("body.conv1", "b2.conv2"), one level deeper.
void add_specs(ModelSummary& m, const std::vector<LayerSpec>& specs, const std::string& prefix,
               int depth) {
  for (const LayerSpec& s : specs) {
    add_layer(m, {.name = prefix + s.name,
                  .kind = s.type,
                  .description = s.description,
                  .output = s.output,
                  .parameters = s.parameters,
                  .depth = depth});
    for (size_t b = 0; b < s.branches.size(); ++b)
      add_specs(m, s.branches[b], s.branch_names[b] + ".", depth + 1);
  }
}
}  // namespace

ModelSummary summarize_spec(const ModelSpec& spec) {
  ModelSummary m = start(spec.input);
  add_specs(m, spec.layers, "", 0);
  return m;
}

std::string format_summary(const ModelSummary& m) {
  // Columns: #, name, layer, output, parameters, activations.
  struct Row {
    std::string cells[6];
  };
  std::vector<Row> rows;
  rows.push_back({{"#", "name", "layer", "output [C, H, W]", "parameters", "activations"}});
  rows.push_back({{"", "input", "", to_string(m.input), "", with_thousands(m.input_values)}});
  int number = 0;  // layers of the model are numbered; inner layers of a block are indented
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const LayerSummary& l = m.layers[i];
    const std::string acts = l.counted                        ? with_thousands(l.activations)
                             : l.memory == OutputMemory::view ? "(view)"
                                                              : "(in place)";
    const std::string indent(2 * static_cast<size_t>(l.depth), ' ');
    std::string params = with_thousands(l.parameters);
    if (l.depth > 0) params = '(' + params + ')';
    rows.push_back({{l.depth == 0 ? std::to_string(++number) : "", indent + l.name,
                     indent + l.description, to_string(l.output), params, acts}});
  }
  size_t width[6] = {};
  for (const Row& r : rows)
    for (size_t c = 0; c < 6; ++c) width[c] = std::max(width[c], r.cells[c].size());

  std::ostringstream out;
  auto line = [&](const Row& r) {
    std::string s;
    for (size_t c = 0; c < 6; ++c) {
      const std::string& cell = r.cells[c];
      const std::string pad(width[c] - cell.size(), ' ');
      const bool right = c == 0 || c >= 4;  // numbers right-aligned
      s += (c > 0 ? "  " : "") + (right ? pad + cell : cell + pad);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out << s << "\n";
  };
  size_t total_width = 10;
  for (size_t c = 0; c < 6; ++c) total_width += width[c];
  line(rows[0]);
  out << std::string(total_width, '-') << "\n";
  for (size_t i = 1; i < rows.size(); ++i) line(rows[i]);
  out << std::string(total_width, '-') << "\n";
  if (std::any_of(m.layers.begin(), m.layers.end(),
                  [](const LayerSummary& l) { return l.depth > 0; }))
    out << "(indented rows: the layers inside a block; their parameters, in parentheses, are "
           "counted in the block's row)\n";
  out << "parameters:  " << with_thousands(m.total_parameters) << " = "
      << with_thousands(m.total_parameters * 4) << " bytes in float32 ("
      << mib(m.total_parameters * 4) << ")\n";
  out << "activations: " << with_thousands(m.total_activations)
      << " values per image = " << with_thousands(m.total_activations * 4) << " bytes in float32 ("
      << mib(m.total_activations * 4) << "), forward pass only\n";
  out << "             (the input and every layer output, except outputs made in place or as a "
         "view)\n";
  return out.str();
}

}  // namespace cnnlab
