#include "services/questionnaire/model/validation.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "common/scales.h"

namespace lagom::questionnaire {
namespace {

using ::lagom::type::v1::LocalizedText;
using model_api::Area;
using model_api::FrameworkReference;
using model_api::Item;
using model_api::LevelDescriptor;
using model_api::ModelContent;

// Languages every model must be translated into: Lagom's users read English or Swedish.
constexpr const char* kRequiredLanguages[] = {"en", "sv"};
constexpr size_t kMaxIdChars = 63;

// Lowercase letter first, then lowercase letters, digits, '-', '.', '_'; 1–63 characters.
bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxIdChars || id[0] < 'a' || id[0] > 'z') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

// A plain BCP 47 shape: 2–8 letters, then optional "-" subtags of 1–8 letters or digits.
bool IsValidLanguageTag(absl::string_view tag) {
  size_t start = 0;
  bool first = true;
  while (start <= tag.size()) {
    size_t end = tag.find('-', start);
    if (end == absl::string_view::npos) end = tag.size();
    absl::string_view part = tag.substr(start, end - start);
    size_t min = first ? 2 : 1;
    if (part.size() < min || part.size() > 8) return false;
    for (char c : part) {
      bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!letter && (first || !(c >= '0' && c <= '9'))) return false;
    }
    if (end == tag.size()) return true;
    start = end + 1;
    first = false;
  }
  return false;
}

// Characters (Unicode code points) of valid UTF-8: every byte that does not continue one.
size_t CharCount(absl::string_view s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string FormatNumber(double v) { return absl::StrCat(v); }

// "A, B, C" of every named value except the UNSPECIFIED zero.
std::string AllowedNames(const google::protobuf::EnumDescriptor* e) {
  std::vector<std::string> names;
  for (int i = 0; i < e->value_count(); ++i) {
    if (e->value(i)->number() != 0) names.push_back(e->value(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

// Where an id or pair id was first seen, for "already used by" messages.
struct Occurrence {
  std::string path;
  model_api::ItemPerspective perspective = model_api::ITEM_PERSPECTIVE_UNSPECIFIED;
};

class Validator final {
 public:
  Validator(absl::string_view prefix, const ModelLimits& limits)
      : prefix_(prefix), limits_(limits) {}

  std::vector<FieldViolation> Run(const ModelContent& content) {
    CheckSize(content);
    CheckLanguages(content);
    CheckAreaCounts(content);
    for (int i = 0; i < content.areas_size(); ++i) {
      CheckArea(content.areas(i), Path(absl::StrCat("areas[", i, "]")));
    }
    CheckPairs();
    if (dropped_ > 0) {
      violations_.push_back(
          {prefix_.empty() ? "content" : prefix_,
           absl::StrCat("and ", dropped_, " more violations not collected: fix these first")});
    }
    return std::move(violations_);
  }

 private:
  std::string Path(absl::string_view relative) const {
    return prefix_.empty() ? std::string(relative) : absl::StrCat(prefix_, ".", relative);
  }

  // Past kMaxViolations, violations are counted, not kept: a hostile model must not make
  // validation build gigabytes of messages.
  void Add(std::string field, std::string description) {
    if (violations_.size() >= kMaxViolations) {
      ++dropped_;
      return;
    }
    violations_.push_back({std::move(field), std::move(description)});
  }

  void CheckSize(const ModelContent& content) {
    size_t bytes = content.ByteSizeLong();
    if (bytes > limits_.max_content_bytes) {
      Add(prefix_.empty() ? "content" : prefix_,
          absl::StrCat("content is ", bytes, " bytes serialized; at most ",
                       limits_.max_content_bytes, " bytes allowed"));
    }
  }

  void CheckLanguages(const ModelContent& content) {
    const std::string tags_path = Path("language_tags");
    if (content.language_tags_size() > limits_.max_languages) {
      Add(tags_path, absl::StrCat(content.language_tags_size(), " languages; at most ",
                                  limits_.max_languages, " allowed"));
      // Texts are not checked against so many languages (a violation per text and language
      // would run to gigabytes); they are once the list is within the limit.
      languages_refused_ = true;
      return;
    }
    for (int i = 0; i < content.language_tags_size(); ++i) {
      const std::string& tag = content.language_tags(i);
      std::string path = absl::StrCat(tags_path, "[", i, "]");
      if (!IsValidLanguageTag(tag)) {
        Add(path, absl::StrCat("\"", tag,
                               "\" is not a BCP 47 language tag (allowed: e.g. \"en\", \"sv\", "
                               "\"en-GB\")"));
      } else if (!languages_.insert(tag).second) {
        Add(path, absl::StrCat("language \"", tag, "\" is listed twice; list each once"));
      } else {
        language_order_.push_back(tag);
      }
    }
    for (const char* required : kRequiredLanguages) {
      if (!languages_.contains(required)) {
        Add(tags_path,
            absl::StrCat("missing \"", required, "\"; every model is translated into at least: ",
                         absl::StrJoin(kRequiredLanguages, ", ")));
      }
    }
    const std::string& fallback = content.default_language_tag();
    if (fallback.empty()) {
      Add(Path("default_language_tag"), "required; one of content.language_tags (usually \"en\")");
    } else if (!languages_.contains(fallback)) {
      Add(Path("default_language_tag"),
          absl::StrCat("\"", fallback, "\" is not in language_tags (allowed: ",
                       absl::StrJoin(language_order_, ", "), ")"));
    }
  }

  void CheckAreaCounts(const ModelContent& content) {
    if (content.areas_size() == 0) {
      Add(Path("areas"), "a model needs at least one area");
      return;
    }
    if (content.areas_size() > limits_.max_areas) {
      Add(Path("areas"),
          absl::StrCat(content.areas_size(), " areas; at most ", limits_.max_areas, " allowed"));
    }
    int items = 0;
    for (const Area& area : content.areas()) items += area.items_size();
    if (items > limits_.max_items) {
      Add(Path("areas"), absl::StrCat(items, " items in total; at most ", limits_.max_items,
                                      " allowed per model"));
    }
  }

  void CheckArea(const Area& area, const std::string& path) {
    CheckId(area.id(), path + ".id", area_ids_);
    CheckLineage(area.lineage_id(), area.id(), path + ".lineage_id", area_lineages_);
    CheckEnum(model_api::AreaKind_descriptor(), area.kind(), path + ".kind", "area kind",
              /*required=*/true);
    CheckText(area.title(), path + ".title", /*required=*/true);
    CheckText(area.description(), path + ".description", /*required=*/false);
    double target = area.default_target_score();
    if (!(target >= 0 && target <= 1)) {
      Add(path + ".default_target_score",
          absl::StrCat(FormatNumber(target),
                       " is outside the normalised score scale (allowed: 0 to 1, e.g. 0.6 for "
                       "maturity level 3 of 5)"));
    }
    CheckFrameworkReferences(area.framework_references(), path + ".framework_references");
    if (area.items_size() == 0) {
      Add(path + ".items", "an area needs at least one item");
    } else if (area.items_size() > limits_.max_items_per_area) {
      Add(path + ".items", absl::StrCat(area.items_size(), " items; at most ",
                                        limits_.max_items_per_area, " allowed per area"));
    }
    for (int j = 0; j < area.items_size(); ++j) {
      CheckItem(area.items(j), absl::StrCat(path, ".items[", j, "]"));
    }
  }

  void CheckItem(const Item& item, const std::string& path) {
    CheckId(item.id(), path + ".id", item_ids_);
    CheckLineage(item.lineage_id(), item.id(), path + ".lineage_id", item_lineages_);
    bool perspective_ok = CheckEnum(model_api::ItemPerspective_descriptor(), item.perspective(),
                                    path + ".perspective", "perspective", /*required=*/true);
    CollectPair(item, path, perspective_ok);
    CheckText(item.text(), path + ".text", /*required=*/true);
    CheckText(item.help_text(), path + ".help_text", /*required=*/false);
    bool scale_ok = CheckEnum(model_api::Scale_descriptor(), item.scale(), path + ".scale", "scale",
                              /*required=*/true);
    if (scale_ok) CheckLevelDescriptors(item, path);
    if (!(item.weight() == 0 ||
          (item.weight() >= kMinItemWeight && item.weight() <= kMaxItemWeight))) {  // NaN too
      // Zero is proto3's "unset" and means the default weight 1 (see model.proto).
      Add(path + ".weight", absl::StrCat(FormatNumber(item.weight()),
                                         " is not a valid weight (allowed: a number from ",
                                         FormatNumber(kMinItemWeight), " to ",
                                         FormatNumber(kMaxItemWeight), "; 0 or unset means 1)"));
    }
    CheckServqual(item, path);
    CheckEnum(model_api::ProcessAttribute_descriptor(), item.process_attribute(),
              path + ".process_attribute", "process attribute", /*required=*/false);
    CheckFrameworkReferences(item.framework_references(), path + ".framework_references");
    CheckSammPosition(item, path + ".samm_position");
  }

  // True when the value is set and known (or, when not required, unset).
  bool CheckEnum(const google::protobuf::EnumDescriptor* e, int value, const std::string& path,
                 absl::string_view what, bool required) {
    if (value == 0) {
      if (!required) return true;
      Add(path, absl::StrCat(what, " is required (allowed: ", AllowedNames(e), ")"));
      return false;
    }
    if (e->FindValueByNumber(value) == nullptr) {
      Add(path, absl::StrCat("unknown ", what, " ", value, " (allowed: ", AllowedNames(e), ")"));
      return false;
    }
    return true;
  }

  void CheckId(const std::string& id, const std::string& path,
               absl::flat_hash_map<std::string, std::string>& seen) {
    if (id.empty()) {
      Add(path,
          "id is required (1-63 characters: lowercase letters, digits, '-', '.', '_', "
          "starting with a letter)");
      return;
    }
    if (!IsValidId(id)) {
      Add(path, absl::StrCat("\"", id,
                             "\" is not a valid id (allowed: 1-63 characters, lowercase letters, "
                             "digits, '-', '.', '_', starting with a letter)"));
    }
    auto [it, inserted] = seen.try_emplace(id, path);
    if (!inserted) {
      Add(path, absl::StrCat("duplicate id \"", id, "\", already used by ", it->second,
                             " (ids must be unique within the model)"));
    }
  }

  // The effective lineage id is lineage_id or, when empty, id.
  void CheckLineage(const std::string& lineage, const std::string& id, const std::string& path,
                    absl::flat_hash_map<std::string, std::string>& seen) {
    if (!lineage.empty() && !IsValidId(lineage)) {
      Add(path, absl::StrCat("\"", lineage,
                             "\" is not a valid lineage id (allowed: 1-63 characters, lowercase "
                             "letters, digits, '-', '.', '_', starting with a letter)"));
    }
    const std::string& effective = lineage.empty() ? id : lineage;
    if (effective.empty()) return;  // the missing id is already reported
    auto [it, inserted] = seen.try_emplace(effective, path);
    if (!inserted) {
      Add(path,
          absl::StrCat("duplicate lineage id \"", effective, "\", already used by ", it->second,
                       " (each lineage id, or the id when it is empty, may be used once)"));
    }
  }

  void CheckText(const LocalizedText& text, const std::string& path, bool required) {
    const auto& translations = text.translations();
    if (translations.empty()) {
      if (required) {
        Add(path, absl::StrCat("required; give a non-empty translation for each of: ",
                               absl::StrJoin(language_order_, ", ")));
      }
      return;
    }
    for (const std::string& language : language_order_) {
      auto it = translations.find(language);
      if (it == translations.end() || it->second.empty()) {
        Add(TranslationPath(path, language),
            absl::StrCat("missing \"", language,
                         "\" translation; every text needs a non-empty "
                         "translation for each of: ",
                         absl::StrJoin(language_order_, ", ")));
      }
    }
    if (languages_refused_) return;
    if (translations.size() > static_cast<size_t>(limits_.max_languages)) {
      Add(path + ".translations",
          absl::StrCat(translations.size(), " translations; at most ", limits_.max_languages,
                       " (one for each of content.language_tags: ",
                       absl::StrJoin(language_order_, ", "), ")"));
      return;
    }
    // Sorted, so that the order of violations does not depend on map iteration order.
    std::map<std::string, std::string> sorted(translations.begin(), translations.end());
    for (const auto& [language, value] : sorted) {
      if (!languages_.contains(language)) {
        Add(TranslationPath(path, language),
            absl::StrCat("language \"", language, "\" is not in content.language_tags (allowed: ",
                         absl::StrJoin(language_order_, ", "), ")"));
      }
      size_t chars = CharCount(value);
      if (chars > limits_.max_text_chars) {
        Add(TranslationPath(path, language),
            absl::StrCat(chars, " characters; at most ", limits_.max_text_chars, " allowed"));
      }
    }
  }

  static std::string TranslationPath(const std::string& path, absl::string_view language) {
    return absl::StrCat(path, ".translations[\"", language, "\"]");
  }

  void CheckFrameworkReferences(
      const google::protobuf::RepeatedPtrField<FrameworkReference>& references,
      const std::string& path) {
    for (int k = 0; k < references.size(); ++k) {
      const FrameworkReference& ref = references[k];
      std::string ref_path = absl::StrCat(path, "[", k, "]");
      CheckEnum(model_api::Framework_descriptor(), ref.framework(), ref_path + ".framework",
                "framework", /*required=*/true);
      if (ref.reference().empty()) {
        Add(ref_path + ".reference",
            "required (e.g. \"Incident management\" for ITIL 4, \"8.6.1\" for ISO/IEC 20000-1, "
            "\"DSS02\" for COBIT)");
      } else if (CharCount(ref.reference()) > limits_.max_text_chars) {
        Add(ref_path + ".reference",
            absl::StrCat(CharCount(ref.reference()), " characters; at most ",
                         limits_.max_text_chars, " allowed"));
      }
    }
  }

  void CheckLevelDescriptors(const Item& item, const std::string& path) {
    const absl::Span<const double> allowed = ScaleValues(item.scale());
    const std::string scale_name = model_api::Scale_Name(item.scale());
    const std::string allowed_text = absl::StrJoin(
        allowed, ", ", [](std::string* out, double v) { absl::StrAppend(out, FormatNumber(v)); });
    const auto& descriptors = item.level_descriptors();
    std::set<double> present;
    double previous = -1;
    for (int k = 0; k < descriptors.size(); ++k) {
      const LevelDescriptor& d = descriptors[k];
      std::string d_path = absl::StrCat(path, ".level_descriptors[", k, "]");
      if (std::find(allowed.begin(), allowed.end(), d.value()) == allowed.end()) {
        Add(d_path + ".value", absl::StrCat(FormatNumber(d.value()), " is not a value of ",
                                            scale_name, " (allowed: ", allowed_text, ")"));
      } else if (!present.insert(d.value()).second) {
        Add(d_path + ".value", absl::StrCat("value ", FormatNumber(d.value()),
                                            " is described twice; one descriptor per value"));
      } else if (d.value() < previous) {
        Add(d_path + ".value",
            absl::StrCat("value ", FormatNumber(d.value()), " comes after ", FormatNumber(previous),
                         "; descriptors are in ascending value order"));
      }
      if (std::isfinite(d.value())) previous = std::max(previous, d.value());
      CheckText(d.label(), d_path + ".label", /*required=*/true);
      CheckText(d.description(), d_path + ".description", /*required=*/false);
    }
    // A maturity item is answered by reading its levels, so every level must be described;
    // other scales may leave descriptors out, but a partial set would mislead.
    bool required = item.scale() == model_api::SCALE_MATURITY_0_5;
    if (!required && descriptors.empty()) return;
    std::vector<std::string> missing;
    for (double v : allowed) {
      if (!present.contains(v)) missing.push_back(FormatNumber(v));
    }
    if (!missing.empty()) {
      Add(path + ".level_descriptors",
          absl::StrCat("missing descriptors for ", absl::StrJoin(missing, ", "), "; ", scale_name,
                       required ? " needs" : " descriptors, when given, need",
                       " one for each value: ", allowed_text));
    }
  }

  void CheckServqual(const Item& item, const std::string& path) {
    bool dimension_ok =
        CheckEnum(model_api::ServqualDimension_descriptor(), item.servqual_dimension(),
                  path + ".servqual_dimension", "SERVQUAL dimension", /*required=*/false);
    bool aspect_ok = CheckEnum(model_api::ServqualAspect_descriptor(), item.servqual_aspect(),
                               path + ".servqual_aspect", "SERVQUAL aspect", /*required=*/false);
    if (dimension_ok && aspect_ok && item.servqual_aspect() != 0 &&
        item.servqual_dimension() == 0) {
      Add(path + ".servqual_aspect",
          absl::StrCat("set without servqual_dimension; set a dimension (allowed: ",
                       AllowedNames(model_api::ServqualDimension_descriptor()),
                       ") or leave the aspect unset"));
    }
  }

  void CheckSammPosition(const Item& item, const std::string& path) {
    if (!item.has_samm_position()) return;
    if (item.scale() != model_api::SCALE_SAMM_4) {
      Add(path, absl::StrCat("only SCALE_SAMM_4 items have a SAMM position; this item's scale is ",
                             model_api::Scale_Name(item.scale())));
    }
    const model_api::SammPosition& position = item.samm_position();
    if (position.level() < 1 || position.level() > 3) {
      Add(path + ".level",
          absl::StrCat(position.level(), " is not a SAMM level (allowed: 1, 2, 3)"));
    }
    if (CharCount(position.stream()) > kMaxIdChars) {
      Add(path + ".stream", absl::StrCat(CharCount(position.stream()), " characters; at most ",
                                         kMaxIdChars, " allowed"));
    }
  }

  void CollectPair(const Item& item, const std::string& path, bool perspective_ok) {
    if (item.pair_id().empty()) return;
    std::string pair_path = path + ".pair_id";
    if (!IsValidId(item.pair_id())) {
      Add(pair_path, absl::StrCat("\"", item.pair_id(),
                                  "\" is not a valid pair id (allowed: 1-63 characters, lowercase "
                                  "letters, digits, '-', '.', '_', starting with a letter)"));
    }
    if (item.perspective() == model_api::ITEM_PERSPECTIVE_BOTH) {
      Add(pair_path,
          "an ITEM_PERSPECTIVE_BOTH item is a pair by itself; leave pair_id empty "
          "(pairs join one ITEM_PERSPECTIVE_PROVIDER and one "
          "ITEM_PERSPECTIVE_CUSTOMER item)");
      return;
    }
    if (!perspective_ok) return;  // the perspective is reported already
    auto [it, inserted] = pair_order_.try_emplace(item.pair_id(), pair_order_.size());
    if (inserted) pairs_.emplace_back();
    pairs_[it->second].push_back({pair_path, item.perspective()});
  }

  // Pairs are checked once every item has been seen: each needs one PROVIDER and one CUSTOMER.
  void CheckPairs() {
    for (const auto& [pair_id, index] : pair_order_) {
      const std::vector<Occurrence>& members = pairs_[index];
      if (members.size() == 1) {
        Add(members[0].path,
            absl::StrCat("pair \"", pair_id,
                         "\" has only this item; a pair needs exactly one "
                         "ITEM_PERSPECTIVE_PROVIDER and one ITEM_PERSPECTIVE_CUSTOMER item"));
        continue;
      }
      if (members.size() > 2) {
        for (size_t m = 2; m < members.size(); ++m) {
          Add(members[m].path,
              absl::StrCat("pair \"", pair_id, "\" already has two items (", members[0].path, ", ",
                           members[1].path,
                           "); a pair is exactly one "
                           "ITEM_PERSPECTIVE_PROVIDER and one ITEM_PERSPECTIVE_CUSTOMER item"));
        }
        continue;
      }
      if (members[0].perspective == members[1].perspective) {
        Add(members[1].path, absl::StrCat("pair \"", pair_id, "\" joins two ",
                                          model_api::ItemPerspective_Name(members[1].perspective),
                                          " items (with ", members[0].path,
                                          "); a pair is one ITEM_PERSPECTIVE_PROVIDER and one "
                                          "ITEM_PERSPECTIVE_CUSTOMER item"));
      }
    }
  }

  const std::string prefix_;
  const ModelLimits& limits_;
  std::set<std::string> languages_;
  std::vector<std::string> language_order_;
  absl::flat_hash_map<std::string, std::string> area_ids_;
  absl::flat_hash_map<std::string, std::string> item_ids_;
  absl::flat_hash_map<std::string, std::string> area_lineages_;
  absl::flat_hash_map<std::string, std::string> item_lineages_;
  std::map<std::string, size_t> pair_order_;  // sorted, for a stable report order
  std::vector<std::vector<Occurrence>> pairs_;
  static constexpr size_t kMaxViolations = 1000;
  std::vector<FieldViolation> violations_;
  size_t dropped_ = 0;
  bool languages_refused_ = false;
};

}  // namespace

std::vector<FieldViolation> ValidateModelContent(const model_api::ModelContent& content,
                                                 absl::string_view prefix,
                                                 const ModelLimits& limits) {
  return Validator(prefix, limits).Run(content);
}

std::string Sha256Digest(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    std::abort();  // SHA-256 is always available; failing here means OpenSSL itself is broken.
  }
  return absl::StrCat("sha256:", absl::BytesToHexString(absl::string_view(
                                     reinterpret_cast<const char*>(digest), length)));
}

std::string ContentHash(const model_api::ModelContent& content) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);  // map entries sorted by key
    content.SerializeToCodedStream(&coded);
  }
  return Sha256Digest(bytes);
}

}  // namespace lagom::questionnaire
