#include "common/scales.h"

#include "absl/strings/str_join.h"

namespace lagom {

namespace qapi = ::lagom::questionnaire::v1;
namespace {

constexpr ScaleInfo Make(qapi::Scale scale, std::initializer_list<double> values) {
  ScaleInfo info{scale, {}, 0, {}};
  for (int8_t& index : info.index_of_quarter) index = -1;
  for (double value : values) {
    info.index_of_quarter[static_cast<int>(value * 4)] = static_cast<int8_t>(info.size);
    info.values[info.size++] = value;
  }
  return info;
}

constexpr ScaleInfo kScales[] = {
    Make(qapi::SCALE_MATURITY_0_5, {0, 1, 2, 3, 4, 5}),
    Make(qapi::SCALE_SAMM_4, {0, 0.25, 0.5, 1}),
    Make(qapi::SCALE_LIKERT_5, {1, 2, 3, 4, 5}),
    Make(qapi::SCALE_YES_NO, {0, 1}),
};

}  // namespace

std::string ScaleInfo::Allowed() const { return absl::StrJoin(Values(), ", "); }

absl::Span<const double> ScaleValues(qapi::Scale scale) {
  const ScaleInfo* info = ScaleOf(scale);
  return info == nullptr ? absl::Span<const double>() : info->Values();
}

const ScaleInfo* ScaleOf(qapi::Scale scale) {
  for (const ScaleInfo& info : kScales) {
    if (info.scale == scale) return &info;
  }
  return nullptr;
}

}  // namespace lagom
