//===- Report.cpp - the per-layer quantization report ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/Calibration/Report.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace quantforge;
using namespace quantforge::codegen;

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

nlohmann::json toJSON(const ReportContext &context,
                      const std::vector<LinearReport> &linears) {
  nlohmann::json json;
  json["model"] = context.model;
  json["calibration"] = {{"text", context.calibration.textPath},
                         {"samples", context.calibration.samples},
                         {"seqlen", context.calibration.seqLen},
                         {"seed", context.calibration.seed},
                         {"order", "block-sequential"}};
  json["error"] = "trace(dW H dW^T), H = 2/samples * sum of x x^T of the "
                  "weight's calibration inputs; error_before: round to "
                  "nearest, error_after: the method";
  double before = 0, after = 0, seconds = 0;
  nlohmann::json rows = nlohmann::json::array();
  for (const LinearReport &linear : linears) {
    nlohmann::json row = {{"key", linear.key},
                          {"layer", linear.layer},
                          {"method", linear.method},
                          {"bits", linear.bits},
                          {"group_size", linear.groupSize},
                          {"rows", linear.rows},
                          {"cols", linear.cols},
                          {"error_before", linear.errorBefore},
                          {"error_after", linear.errorAfter},
                          {"seconds", linear.seconds}};
    if (linear.alpha)
      row["alpha"] = *linear.alpha;
    if (linear.clip)
      row["clip"] = *linear.clip;
    rows.push_back(row);
    before += linear.errorBefore;
    after += linear.errorAfter;
    seconds += linear.seconds;
  }
  json["linears"] = rows;
  json["total"] = {{"error_before", before},
                   {"error_after", after},
                   {"seconds", seconds}};
  return json;
}

/// Errors before and after per weight on a log scale, layers separated.
std::string plotSVG(const std::vector<LinearReport> &linears) {
  const double width = 900, height = 360, left = 80, right = 20, top = 40,
               bottom = 50;
  double low = INFINITY, high = -INFINITY;
  for (const LinearReport &linear : linears)
    for (double e : {linear.errorBefore, linear.errorAfter})
      if (e > 0) {
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
      << "in quantization order: q, k, v, o, gate, up, down)</text>\n"
      << "<text transform=\"translate(16," << (top + height - bottom) / 2
      << ") rotate(-90)\" text-anchor=\"middle\">output error "
      << "trace(&#916;W H &#916;W&#7511;)</text>\n";
  auto series = [&](const char *name, const char *color, auto error) {
    svg << "<polyline class=\"" << name << "\" fill=\"none\" stroke=\""
        << color << "\" stroke-width=\"1.5\" points=\"";
    for (size_t i = 0; i < linears.size(); ++i)
      svg << x(i) << "," << y(error(linears[i])) << " ";
    svg << "\"/>\n";
    for (size_t i = 0; i < linears.size(); ++i)
      svg << "<circle cx=\"" << x(i) << "\" cy=\"" << y(error(linears[i]))
          << "\" r=\"3\" fill=\"" << color << "\"><title>"
          << escapeHTML(linears[i].key) << ": " << error(linears[i])
          << "</title></circle>\n";
  };
  series("before", "#d62728",
         [](const LinearReport &l) { return l.errorBefore; });
  series("after", "#1f77b4",
         [](const LinearReport &l) { return l.errorAfter; });
  // The legend sits above the plot, clear of the data.
  std::string method =
      linears.empty() ? std::string("method") : linears[0].method;
  svg << "<circle cx=\"" << left + 6 << "\" cy=\"16\" r=\"4\" fill=\"#d62728\"/>"
      << "<text x=\"" << left + 14 << "\" y=\"20\">before (round to nearest)"
      << "</text><circle cx=\"" << left + 186
      << "\" cy=\"16\" r=\"4\" fill=\"#1f77b4\"/><text x=\"" << left + 194
      << "\" y=\"20\">after (" << escapeHTML(method) << ")</text>\n";
  svg << "</svg>\n";
  return svg.str();
}

std::string toHTML(const ReportContext &context,
                   const std::vector<LinearReport> &linears) {
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
       << "<title>Quantization report: " << escapeHTML(context.model)
       << "</title>\n<style>body{font-family:sans-serif;margin:2em}"
       << "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
       << "padding:2px 8px;text-align:right}td:first-child{text-align:left}"
       << "</style></head><body>\n<h1>Quantization report</h1>\n<p>Model "
       << escapeHTML(context.model) << "; calibration: "
       << context.calibration.samples << " windows of "
       << context.calibration.seqLen << " tokens of "
       << escapeHTML(context.calibration.textPath) << " (seed "
       << context.calibration.seed << "), block-sequential.</p>\n"
       << "<p>Output error of each weight on its calibration inputs, "
       << "trace(&Delta;W H &Delta;W<sup>T</sup>), before (round to nearest) "
       << "and after quantization.</p>\n"
       << plotSVG(linears) << "<table>\n<tr><th>weight</th><th>method</th>"
       << "<th>bits</th><th>group</th><th>shape</th><th>error before</th>"
       << "<th>error after</th><th>after/before</th><th>seconds</th>"
       << "<th>alpha</th><th>clip</th></tr>\n";
  char buffer[64];
  auto number = [&](double v) {
    std::snprintf(buffer, sizeof(buffer), "%.4e", v);
    return std::string(buffer);
  };
  for (const LinearReport &l : linears) {
    html << "<tr><td>" << escapeHTML(l.key) << "</td><td>" << l.method
         << "</td><td>" << l.bits << "</td><td>" << l.groupSize << "</td><td>"
         << l.rows << " x " << l.cols << "</td><td>" << number(l.errorBefore)
         << "</td><td>" << number(l.errorAfter) << "</td><td>"
         << (l.errorBefore > 0 ? number(l.errorAfter / l.errorBefore)
                               : std::string("-"))
         << "</td><td>" << number(l.seconds) << "</td><td>"
         << (l.alpha ? number(*l.alpha) : std::string("-")) << "</td><td>"
         << (l.clip ? number(*l.clip) : std::string("-")) << "</td></tr>\n";
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

std::string
codegen::writeQuantizationReport(const std::string &path,
                                 const ReportContext &context,
                                 const std::vector<LinearReport> &linears) {
  std::string error =
      writeFile(path + ".json", toJSON(context, linears).dump(1) + "\n");
  if (error.empty())
    error = writeFile(path + ".html", toHTML(context, linears));
  return error;
}
