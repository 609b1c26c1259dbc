//===- Tokenizer.cpp - text to token ids and back -------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include <algorithm>

namespace qf {

Tokenizer::~Tokenizer() = default;

void Tokenizer::setSpecialIds(int32_t bosId, int32_t eosId,
                              const std::vector<int32_t> &extraStopIds,
                              bool addBos) {
  bosId_ = bosId;
  eosId_ = eosId;
  addBos_ = addBos && bosId >= 0;
  stopIds_.clear();
  if (eosId >= 0)
    stopIds_.push_back(eosId);
  for (int32_t id : extraStopIds)
    if (id >= 0 &&
        std::find(stopIds_.begin(), stopIds_.end(), id) == stopIds_.end())
      stopIds_.push_back(id);
}

} // namespace qf
