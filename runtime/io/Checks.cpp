//===- Checks.cpp - validation helpers shared by the readers --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/Checks.h"

#include <algorithm>

namespace qf::io {

std::string quote(std::string_view text) {
  constexpr size_t kMaxShown = 80;
  if (text.size() <= kMaxShown)
    return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMaxShown)) + "...'";
}

Status checkDisjoint(std::vector<Extent> extents, const char *label,
                     std::string (*formatRange)(uint64_t begin, uint64_t end)) {
  extents.erase(std::remove_if(extents.begin(), extents.end(),
                               [](const Extent &e) { return e.size == 0; }),
                extents.end());
  std::sort(extents.begin(), extents.end(),
            [](const Extent &a, const Extent &b) { return a.begin < b.begin; });
  // Until a pair overlaps, the previous extent is the one that ends last.
  // Callers have checked that no extent runs past the file, so ends cannot
  // overflow.
  auto rangeOf = [&](const Extent &extent) {
    return formatRange(extent.begin, extent.begin + extent.size);
  };
  for (size_t i = 1; i < extents.size(); ++i) {
    const Extent &previous = extents[i - 1], &extent = extents[i];
    if (extent.begin < previous.begin + previous.size)
      return Status::error("tensors " + quote(previous.name) + " and " +
                           quote(extent.name) + " overlap: " + label + " " +
                           rangeOf(previous) + " and " + rangeOf(extent));
  }
  return Status();
}

} // namespace qf::io
