//===- Report.cpp - the per-layer quantization report ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Report.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace quantforge;

namespace {

std::string escapeHTML(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '&': out += "&amp;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

/// Whether the report has output errors (calibrated methods) or only
/// relative weight errors (RTN).
bool hasOutputErrors(const QuantizationReport &report) {
  return llvm::any_of(report.linears, [](const LinearReport &l) {
    return l.errorAfter.has_value();
  });
}

nlohmann::json toJSON(const QuantizationReport &report) {
  nlohmann::json json;
  json["model"] = report.model;
  json["method"] = report.method;
  json["bits"] = report.bits;
  json["group_size"] = report.groupSize;
  json["symmetric"] = report.symmetric;
  json["scale_type"] = report.scaleType;
  nlohmann::json calibration = {{"order", report.order}};
  if (!report.text.empty())
    calibration.update({{"text", report.text},
                        {"samples", report.samples},
                        {"seqlen", report.seqLen},
                        {"seed", report.seed}});
  if (!report.statistics.empty())
    calibration["statistics"] = report.statistics;
  json["calibration"] = calibration;
  nlohmann::json settings = nlohmann::json::object();
  for (const auto &[name, value] : report.settings)
    settings[name] = value;
  json["settings"] = settings;
  json["error"] = "relative_error: ||W' - W|| / ||W||; error_before/after: "
                  "trace(dW H dW^T), H = 2/samples * sum of x x^T of the "
                  "weight's calibration inputs, with round to nearest "
                  "(before) and the method (after)";
  double before = 0, after = 0, seconds = 0;
  nlohmann::json rows = nlohmann::json::array();
  for (const LinearReport &linear : report.linears) {
    nlohmann::json row = {{"key", linear.key},
                          {"layer", linear.layer},
                          {"method", linear.method},
                          {"bits", linear.bits},
                          {"group_size", linear.groupSize},
                          {"rows", linear.rows},
                          {"cols", linear.cols},
                          {"relative_error", linear.relativeError.value_or(0)},
                          {"seconds", linear.seconds}};
    if (linear.errorBefore)
      row["error_before"] = *linear.errorBefore;
    if (linear.errorAfter)
      row["error_after"] = *linear.errorAfter;
    if (report.method == "awq") {
      row["alpha"] = linear.alpha ? nlohmann::json(*linear.alpha) : nullptr;
      row["clip"] = linear.clip ? nlohmann::json(*linear.clip) : nullptr;
      row["fold"] = linear.fold.empty() ? nullptr : nlohmann::json(linear.fold);
      if (!linear.unscaled.empty())
        row["unscaled"] = linear.unscaled;
    }
    if (!linear.actOrderFold.empty())
      row["act_order"] = linear.actOrderFold;
    rows.push_back(row);
    before += linear.errorBefore.value_or(0);
    after += linear.errorAfter.value_or(0);
    seconds += linear.seconds;
  }
  json["linears"] = rows;
  json["total"] = {{"seconds", seconds}};
  if (hasOutputErrors(report))
    json["total"].update({{"error_before", before}, {"error_after", after}});
  return json;
}

struct Series {
  const char *name, *color, *label;
  std::function<double(const LinearReport &)> value;
};

/// Values per weight on a log scale, layers separated.
std::string plotSVG(const std::vector<LinearReport> &linears,
                    const std::vector<Series> &series,
                    const std::string &axis) {
  const double width = 900, height = 360, left = 80, right = 20, top = 40,
               bottom = 50;
  double low = INFINITY, high = -INFINITY;
  for (const LinearReport &linear : linears)
    for (const Series &s : series)
      if (double e = s.value(linear); e > 0) {
        low = std::min(low, std::log10(e));
        high = std::max(high, std::log10(e));
      }
  if (!(low <= high))
    low = -1, high = 0;
  low = std::floor(low), high = std::ceil(high);
  if (high == low)
    high = low + 1;
  size_t n = std::max<size_t>(linears.size(), 2);
  auto x = [&](size_t i) {
    return left + (width - left - right) * double(i) / double(n - 1);
  };
  auto y = [&](double e) {
    double v = e > 0 ? std::log10(e) : low;
    return top + (height - top - bottom) * (high - v) / (high - low);
  };
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
      << "\" height=\"" << height << "\" font-family=\"sans-serif\" "
      << "font-size=\"11\">\n";
  for (double v = low; v <= high; v += 1) {
    double py = top + (height - top - bottom) * (high - v) / (high - low);
    svg << "<line x1=\"" << left << "\" x2=\"" << width - right << "\" y1=\""
        << py << "\" y2=\"" << py << "\" stroke=\"#ddd\"/>"
        << "<text x=\"" << left - 6 << "\" y=\"" << py + 4
        << "\" text-anchor=\"end\">1e" << int(v) << "</text>\n";
  }
  // A separator and a label where each layer begins.
  for (size_t i = 0; i < linears.size(); ++i) {
    if (i > 0 && linears[i].layer == linears[i - 1].layer)
      continue;
    svg << "<line x1=\"" << x(i) << "\" x2=\"" << x(i) << "\" y1=\"" << top
        << "\" y2=\"" << height - bottom << "\" stroke=\"#eee\"/>"
        << "<text x=\"" << x(i) << "\" y=\"" << height - bottom + 14
        << "\" text-anchor=\"middle\">" << linears[i].layer << "</text>\n";
  }
  svg << "<text x=\"" << (left + width - right) / 2 << "\" y=\""
      << height - 12 << "\" text-anchor=\"middle\">decoder layer (weights "
      << "in quantization order)</text>\n"
      << "<text transform=\"translate(16," << (top + height - bottom) / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << axis << "</text>\n";
  for (const Series &s : series) {
    svg << "<polyline class=\"" << s.name << "\" fill=\"none\" stroke=\""
        << s.color << "\" stroke-width=\"1.5\" points=\"";
    for (size_t i = 0; i < linears.size(); ++i)
      svg << x(i) << "," << y(s.value(linears[i])) << " ";
    svg << "\"/>\n";
    for (size_t i = 0; i < linears.size(); ++i)
      svg << "<circle cx=\"" << x(i) << "\" cy=\"" << y(s.value(linears[i]))
          << "\" r=\"3\" fill=\"" << s.color << "\"><title>"
          << escapeHTML(linears[i].key) << ": " << s.value(linears[i])
          << "</title></circle>\n";
  }
  // The legend sits above the plot, clear of the data.
  double lx = left;
  for (const Series &s : series) {
    svg << "<circle cx=\"" << lx + 6 << "\" cy=\"16\" r=\"4\" fill=\""
        << s.color << "\"/><text x=\"" << lx + 14 << "\" y=\"20\">"
        << escapeHTML(s.label) << "</text>\n";
    lx += 220;
  }
  svg << "</svg>\n";
  return svg.str();
}

std::string toHTML(const QuantizationReport &report) {
  std::ostringstream html;
  std::string method = escapeHTML(report.method);
  html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
       << "<title>Quantization report: " << escapeHTML(report.model)
       << "</title>\n<style>body{font-family:sans-serif;margin:2em}"
       << "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
       << "padding:2px 8px;text-align:right}td:first-child{text-align:left}"
       << "</style></head><body>\n<h1>Quantization report</h1>\n<p>Model "
       << escapeHTML(report.model) << "; " << method << ", " << report.bits
       << " bits, groups of " << report.groupSize << "; calibration: ";
  if (!report.text.empty())
    html << report.samples << " windows of " << report.seqLen
         << " tokens of " << escapeHTML(report.text) << " (seed "
         << report.seed << "), " << escapeHTML(report.order) << ".</p>\n";
  else if (!report.statistics.empty())
    html << escapeHTML(report.order) << ", statistics from "
         << escapeHTML(report.statistics) << ".</p>\n";
  else
    html << "none.</p>\n";
  bool output = hasOutputErrors(report);
  std::string label = "after (" + report.method + ")";
  if (output)
    html << "<p>Output error of each weight on its calibration inputs, "
         << "trace(&Delta;W H &Delta;W<sup>T</sup>), before (round to nearest) "
         << "and after quantization.</p>\n"
         << plotSVG(report.linears,
                    {{"before", "#d62728", "before (round to nearest)",
                      [](const LinearReport &l) {
                        return l.errorBefore.value_or(0);
                      }},
                     {"after", "#1f77b4", label.c_str(),
                      [](const LinearReport &l) {
                        return l.errorAfter.value_or(0);
                      }}},
                    "output error trace(&#916;W H &#916;W&#7511;)");
  else
    html << "<p>Relative error of each weight, ||W' - W|| / ||W||.</p>\n"
         << plotSVG(report.linears,
                    {{"relative", "#1f77b4", label.c_str(),
                      [](const LinearReport &l) { return l.relativeError.value_or(0); }}},
                    "relative error ||&#916;W|| / ||W||");
  html << "<table>\n<tr><th>weight</th><th>method</th><th>bits</th>"
       << "<th>group</th><th>shape</th><th>relative error</th>"
       << "<th>error before</th><th>error after</th><th>after/before</th>"
       << "<th>seconds</th><th>alpha</th><th>clip</th>"
       << (report.method == "awq" ? "<th>scales fold into</th>" : "")
       << "<th>act-order g_idx</th></tr>\n";
  char buffer[64];
  auto number = [&](std::optional<double> v) {
    if (!v)
      return std::string("-");
    std::snprintf(buffer, sizeof(buffer), "%.4e", *v);
    return std::string(buffer);
  };
  for (const LinearReport &l : report.linears) {
    std::optional<double> ratio;
    if (l.errorBefore && l.errorAfter && *l.errorBefore > 0)
      ratio = *l.errorAfter / *l.errorBefore;
    html << "<tr><td>" << escapeHTML(l.key) << "</td><td>"
         << escapeHTML(l.method) << "</td><td>" << l.bits << "</td><td>"
         << l.groupSize << "</td><td>" << l.rows << " x " << l.cols
         << "</td><td>" << number(l.relativeError) << "</td><td>"
         << number(l.errorBefore) << "</td><td>" << number(l.errorAfter)
         << "</td><td>" << number(ratio) << "</td><td>" << number(l.seconds)
         << "</td><td>" << number(l.alpha) << "</td><td>" << number(l.clip);
    if (report.method == "awq")
      html << "</td><td>"
           << escapeHTML(l.fold.empty() ? "- (" + l.unscaled + ")" : l.fold);
    html << "</td><td>"
         << escapeHTML(l.actOrderFold.empty() ? "-" : l.actOrderFold)
         << "</td></tr>\n";
  }
  html << "</table>\n</body></html>\n";
  return html.str();
}

std::string writeFile(const std::string &path, const std::string &contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  out.close();
  return out ? std::string() : path + ": cannot write the report";
}

} // namespace

std::string quantforge::progressLine(const LinearReport &e, int index,
                                     int total) {
  std::ostringstream line;
  char buffer[96];
  line << "[" << e.method << " " << index << "/" << total << "] " << e.key
       << " [" << e.rows << " x " << e.cols << "]";
  if (e.method == "awq") {
    auto fixed = [&](std::optional<double> v, const char *format) {
      if (!v)
        return std::string("-");
      std::snprintf(buffer, sizeof(buffer), format, *v);
      return std::string(buffer);
    };
    line << " alpha " << fixed(e.alpha, "%.2f") << " clip "
         << fixed(e.clip, "%.3f");
  }
  std::snprintf(buffer, sizeof(buffer), " rel. error %.3e",
                e.relativeError.value_or(0));
  line << buffer;
  if (e.errorBefore && e.errorAfter) {
    std::snprintf(buffer, sizeof(buffer), " error %.4e (rtn %.4e)",
                  *e.errorAfter, *e.errorBefore);
    line << buffer;
  }
  std::snprintf(buffer, sizeof(buffer), " (%.0f ms)", e.seconds * 1e3);
  line << buffer;
  return line.str();
}

int64_t quantforge::decoderLayerOf(llvm::StringRef key) {
  for (llvm::StringRef prefix : {"model.layers.", "blk."})
    if (key.consume_front(prefix)) {
      int64_t layer;
      if (!key.consumeInteger(10, layer) && key.starts_with("."))
        return layer;
    }
  return -1;
}

std::string quantforge::writeQuantizationReport(
    std::string path, const QuantizationReport &report) {
  if (llvm::StringRef(path).ends_with(".json"))
    path.resize(path.size() - 5);
  std::string error =
      writeFile(path + ".json", toJSON(report).dump(1) + "\n");
  if (error.empty())
    error = writeFile(path + ".html", toHTML(report));
  return error;
}
