#include "services/questionnaire/model/model_core.h"

#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/list_query.h"
#include "common/log.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "common/strings.h"
#include "services/questionnaire/model/builtin_models.h"
#include "services/questionnaire/model/model_json.h"
#include "services/questionnaire/model/validation.h"

namespace lagom::questionnaire {
namespace {

namespace api = ::lagom::questionnaire::v1;
using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;

constexpr char kStatePrefix[] = "MODEL_VERSION_STATE_";
constexpr int kDefaultModelPageSize = 50;
constexpr int kMaxModelPageSize = 500;
constexpr int kDefaultVersionPageSize = 20;
constexpr int kMaxVersionPageSize = 100;

// --- Names --------------------------------------------------------------------------------

std::string TenantName(const RequestContext& rc) { return absl::StrCat("tenants/", rc.tenant_id); }
std::string ModelNameOf(const RequestContext& rc, absl::string_view id) {
  return absl::StrCat(TenantName(rc), "/models/", id);
}
std::string VersionNameOf(const RequestContext& rc, absl::string_view model_id,
                          absl::string_view id) {
  return absl::StrCat(ModelNameOf(rc, model_id), "/versions/", id);
}

// Version ids: 1-63 lowercase letters, digits, '-' or '.', starting with a letter or digit
// ("1", "2025.1", "draft-b").
bool IsVersionId(absl::string_view s) {
  if (s.empty() || s.size() > 63 || !absl::ascii_isalnum(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '.';
  });
}

struct ModelRef {
  bool builtin = false;
  std::string id;
  std::string name;  // as given
};

struct VersionRef {
  bool builtin = false;
  std::string model_id;
  std::string id;
  std::string name;        // as given
  std::string model_name;  // the parent model
};

absl::Status BadName(absl::string_view field, absl::string_view name, absl::string_view like) {
  Violations v;
  v.Add(std::string(field), absl::StrCat("'", name, "' is not a ", like));
  return std::move(v).ToStatus("invalid resource name");
}

// `tenants/{t}/models/{m}` of the caller's tenant or `models/{m}`. Another tenant's name is
// NOT_FOUND, with no hint whether it exists there.
absl::StatusOr<ModelRef> ParseModelName(const RequestContext& rc, absl::string_view name,
                                        absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  constexpr char kLike[] = "model name like tenants/{tenant}/models/{model} or models/{model}";
  if (parts.size() == 2 && parts[0] == "models" && IsIdentifier(parts[1], 63)) {
    return ModelRef{true, std::string(parts[1]), std::string(name)};
  }
  if (parts.size() != 4 || parts[0] != "tenants" || parts[2] != "models" || parts[1].empty() ||
      !IsIdentifier(parts[3], 63)) {
    return BadName(field, name, kLike);
  }
  if (parts[1] != rc.tenant_id) return NotFound("model", name);
  return ModelRef{false, std::string(parts[3]), std::string(name)};
}

absl::StatusOr<VersionRef> ParseVersionName(const RequestContext& rc, absl::string_view name,
                                            absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  constexpr char kLike[] =
      "model version name like tenants/{tenant}/models/{model}/versions/{version} or "
      "models/{model}/versions/{version}";
  if (parts.size() == 4 && parts[0] == "models" && parts[2] == "versions" &&
      IsIdentifier(parts[1], 63) && IsVersionId(parts[3])) {
    return VersionRef{true, std::string(parts[1]), std::string(parts[3]), std::string(name),
                      absl::StrCat("models/", parts[1])};
  }
  if (parts.size() != 6 || parts[0] != "tenants" || parts[2] != "models" ||
      parts[4] != "versions" || parts[1].empty() || !IsIdentifier(parts[3], 63) ||
      !IsVersionId(parts[5])) {
    return BadName(field, name, kLike);
  }
  if (parts[1] != rc.tenant_id) return NotFound("model version", name);
  return VersionRef{false, std::string(parts[3]), std::string(parts[5]), std::string(name),
                    ModelNameOf(rc, parts[3])};
}

// "tenants/{tenant}" of the caller.
absl::Status CheckParent(const RequestContext& rc, absl::string_view parent, Violations& v) {
  std::vector<absl::string_view> parts = absl::StrSplit(parent, '/');
  if (parts.size() != 2 || parts[0] != "tenants" || parts[1].empty()) {
    v.Add("parent", absl::StrCat("'", parent, "' is not a tenant name like tenants/{tenant}"));
    return absl::OkStatus();
  }
  if (parts[1] != rc.tenant_id) return NotFound("tenant", parent);
  return absl::OkStatus();
}

absl::Status BuiltinIsReadOnly(absl::string_view name) {
  return Error(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
               absl::StrCat(name,
                            " is a built-in model: every tenant can read it and nobody can change "
                            "it. To adapt it, create a model of your own and a version with "
                            "source_version set to one of its versions"));
}

// --- Built-in models ------------------------------------------------------------------------

const BuiltinModel* FindBuiltin(absl::string_view model_id) {
  const std::string name = absl::StrCat("models/", model_id);
  for (const BuiltinModel& b : BuiltinModels()) {
    if (b.model.name() == name) return &b;
  }
  return nullptr;
}

absl::StatusOr<const api::ModelVersion*> FindBuiltinVersion(const VersionRef& ref) {
  const BuiltinModel* model = FindBuiltin(ref.model_id);
  if (model != nullptr) {
    for (const api::ModelVersion& v : model->versions) {
      if (v.name() == ref.name) return &v;
    }
  }
  return NotFound("model version", ref.name);
}

// GetModelVersionResponse{model_version: <version bytes>} on the wire: field 1, length
// delimited.
std::string ResponseWrapping(absl::string_view version_bytes) {
  std::string out;
  out.push_back(static_cast<char>((1 << 3) | 2));
  uint64_t n = version_bytes.size();
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7F) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  out.append(version_bytes.data(), version_bytes.size());
  return out;
}

// The wire response of every built-in version, with and without content: built once, never
// changed, shared by every call.
struct BuiltinWire {
  std::string full;
  std::string skip_content;
};
const std::map<std::string, BuiltinWire>& BuiltinWires() {
  static const auto* const wires = [] {
    auto* out = new std::map<std::string, BuiltinWire>;
    for (const BuiltinModel& b : BuiltinModels()) {
      for (const api::ModelVersion& v : b.versions) {
        api::ModelVersion bare = v;
        bare.clear_content();
        (*out)[v.name()] = {ResponseWrapping(DeterministicBytes(v)),
                            ResponseWrapping(DeterministicBytes(bare))};
      }
    }
    return out;
  }();
  return *wires;
}

// --- States ---------------------------------------------------------------------------------

std::string StateName(api::ModelVersionState state) {
  return std::string(absl::StripPrefix(api::ModelVersionState_Name(state), kStatePrefix));
}

absl::Status StateConflict(absl::string_view name, api::ModelVersionState state,
                           absl::string_view what) {
  return Error(absl::StatusCode::kFailedPrecondition, "STATE_CONFLICT",
               absl::StrCat(name, " is ", StateName(state), ": ", what));
}

constexpr char kPublishedNeverChange[] =
    "published and deprecated versions never change; create a new version with source_version "
    "set to it and change that";

// --- Field checks ---------------------------------------------------------------------------

bool IsLanguageTag(absl::string_view tag) {
  return !tag.empty() && tag.size() <= 35 && absl::ascii_isalpha(tag[0]) &&
         std::all_of(tag.begin(), tag.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '-'; });
}

void CheckLocalizedText(Violations& v, const std::string& path,
                        const ::lagom::type::v1::LocalizedText& text, size_t max, bool required) {
  // As many as a model's content may have languages: a name is not stored in thousands.
  const size_t max_translations = static_cast<size_t>(ModelLimits{}.max_languages);
  if (static_cast<size_t>(text.translations_size()) > max_translations) {
    v.Add(path + ".translations", absl::StrCat(text.translations_size(), " translations; at most ",
                                               max_translations, " (one per language)"));
    return;
  }
  bool any = false;
  for (const auto& [tag, value] : text.translations()) {
    const std::string entry = absl::StrCat(path, ".translations[", tag, "]");
    if (!IsLanguageTag(tag)) v.Add(entry, "key must be a BCP 47 language tag like en or sv");
    CheckText(v, entry, value, max, false);
    any = any || !absl::StripAsciiWhitespace(value).empty();
  }
  if (required && !any) v.Add(path, "required: at least one translation, e.g. {\"en\": \"...\"}");
}

void CheckModelFields(const api::Model& m, const std::string& p, Violations& v) {
  CheckLocalizedText(v, p + ".display_name", m.display_name(), 200, true);
  CheckLocalizedText(v, p + ".description", m.description(), 2000, false);
  CheckLabels(v, p + ".labels", m.labels());
}

void CheckVersionFields(const api::ModelVersion& mv, const std::string& p, Violations& v) {
  CheckText(v, p + ".version_label", mv.version_label(), 63, false);
  CheckLocalizedText(v, p + ".release_notes", mv.release_notes(), 5000, false);
}

// Drafts may be incomplete, but not oversized: the size limits hold from the first save.
void CheckDraftSize(const api::ModelContent& content, const std::string& path, Violations& v) {
  const ModelLimits limits;
  const size_t bytes = content.ByteSizeLong();
  if (bytes > limits.max_content_bytes) {
    v.Add(path, absl::StrCat("at most ", limits.max_content_bytes, " bytes serialized (got ", bytes,
                             ")"));
  }
  if (content.areas_size() > limits.max_areas) {
    v.Add(path + ".areas",
          absl::StrCat("at most ", limits.max_areas, " areas (got ", content.areas_size(), ")"));
  }
  int items = 0;
  for (const api::Area& area : content.areas()) items += area.items_size();
  if (items > limits.max_items) {
    v.Add(path + ".areas",
          absl::StrCat("at most ", limits.max_items, " items in all (got ", items, ")"));
  }
}

absl::Status ValidationFailed(absl::string_view what, const std::vector<FieldViolation>& list,
                              absl::string_view reason = "VALIDATION_FAILED") {
  return WithReason(
      ViolationsError(ToStd(what), list,
                      "fix these and check again (ValidateModelVersion lists every one)"),
      ToStd(reason));
}

api::ModelViolation ToModelViolation(const FieldViolation& f) {
  api::ModelViolation out;
  out.set_field(f.field);
  out.set_message(f.description);
  // Every rule of ValidateModelContent blocks publishing.
  out.set_severity(api::VIOLATION_SEVERITY_ERROR);
  out.set_reason("VALIDATION_FAILED");
  return out;
}

// --- Records --------------------------------------------------------------------------------

absl::Status StoreError(absl::Status s, absl::string_view noun, absl::string_view name) {
  if (absl::IsAlreadyExists(s)) {
    return Error(absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                 absl::StrCat(noun, " ", name, " already exists"));
  }
  if (absl::IsAborted(s)) {
    return Error(absl::StatusCode::kAborted, "ETAG_MISMATCH",
                 absl::StrCat(name, " was changed by someone else meanwhile; read it and retry"));
  }
  return s;
}

struct LoadedModel {
  ModelRecord record;
  api::Model model;
};

absl::StatusOr<LoadedModel> LoadModel(ModelTransaction& tx, const RequestContext& rc,
                                      const std::string& id) {
  absl::StatusOr<std::optional<ModelRecord>> record = tx.GetModel(id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return NotFound("model", ModelNameOf(rc, id));
  LoadedModel out{**record, {}};
  if (!out.model.ParseFromString(out.record.body)) {
    return absl::DataLossError(absl::StrCat("stored model ", id, " is unreadable"));
  }
  return out;
}

// The same, for a transaction that changes the model or its versions (ModelTransaction::HoldModel).
absl::StatusOr<LoadedModel> LoadModelToChange(ModelTransaction& tx, const RequestContext& rc,
                                              const std::string& id) {
  if (absl::Status s = tx.HoldModel(id); !s.ok()) return s;
  return LoadModel(tx, rc, id);
}

absl::Status SaveModel(ModelTransaction& tx, LoadedModel& m) {
  const int64_t expected = m.record.version;
  m.record.version = expected + 1;
  m.record.body = DeterministicBytes(m.model);
  return StoreError(tx.UpdateModel(m.record, expected), "model", m.model.name());
}

struct LoadedVersion {
  ModelVersionRecord record;
  api::ModelVersion version;
};

absl::StatusOr<api::ModelVersion> ParseVersion(const ModelVersionRecord& record) {
  api::ModelVersion out;
  if (!out.ParseFromString(record.body)) {
    return absl::DataLossError(
        absl::StrCat("stored model version ", record.model_id, "/", record.id, " is unreadable"));
  }
  return out;
}

absl::StatusOr<LoadedVersion> LoadVersion(ModelTransaction& tx, const RequestContext& rc,
                                          const VersionRef& ref) {
  absl::StatusOr<std::optional<ModelVersionRecord>> record = tx.GetVersion(ref.model_id, ref.id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return NotFound("model version", ref.name);
  absl::StatusOr<api::ModelVersion> version = ParseVersion(**record);
  if (!version.ok()) return version.status();
  return LoadedVersion{**record, *std::move(version)};
}

// The same, for a transaction that changes the version (ModelTransaction::HoldModel).
absl::StatusOr<LoadedVersion> LoadVersionToChange(ModelTransaction& tx, const RequestContext& rc,
                                                  const VersionRef& ref) {
  if (absl::Status s = tx.HoldModel(ref.model_id); !s.ok()) return s;
  return LoadVersion(tx, rc, ref);
}

// Writes the version with its next etag; the store refuses if someone wrote it meanwhile.
absl::Status SaveVersion(ModelTransaction& tx, LoadedVersion& v, absl::Time now) {
  const int64_t expected = v.record.version;
  v.record.version = expected + 1;
  v.version.set_etag(EtagOf(v.record.version));
  *v.version.mutable_update_time() = ToProto(now);
  v.record.state = StateName(v.version.state());
  v.record.content_hash = v.version.content_hash();
  v.record.body = DeterministicBytes(v.version);
  return StoreError(tx.UpdateVersion(v.record, expected), "model version", v.version.name());
}

// A new model from the caller's display name, description and labels.
absl::StatusOr<LoadedModel> InsertModel(ModelTransaction& tx, const RequestContext& rc,
                                        absl::Time now, const std::string& requested_id,
                                        const api::Model& input) {
  if (absl::Status s = tx.LockModelsQuota(); !s.ok()) return s;
  absl::StatusOr<int> existing = tx.CountModels();
  if (!existing.ok()) return existing.status();
  if (*existing >= kMaxModelsPerTenant) {
    return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                 absl::StrCat("a tenant holds at most ", kMaxModelsPerTenant, " models"));
  }
  // A taken id is named here: the store's unique key would only say that one is taken.
  if (!requested_id.empty()) {
    absl::StatusOr<std::optional<ModelRecord>> taken = tx.GetModel(requested_id);
    if (!taken.ok()) return taken.status();
    if (taken->has_value()) {
      return StoreError(absl::AlreadyExistsError(requested_id), "model",
                        ModelNameOf(rc, requested_id));
    }
  }
  LoadedModel m;
  m.record.id = requested_id.empty() ? NewId("model") : requested_id;
  m.record.version = 1;
  m.record.next_version_number = 1;
  m.model.set_name(ModelNameOf(rc, m.record.id));
  if (input.has_display_name()) *m.model.mutable_display_name() = input.display_name();
  if (input.has_description()) *m.model.mutable_description() = input.description();
  *m.model.mutable_labels() = input.labels();
  *m.model.mutable_create_time() = ToProto(now);
  *m.model.mutable_update_time() = ToProto(now);
  m.model.set_etag(EtagOf(1));
  m.record.body = DeterministicBytes(m.model);
  if (absl::Status s = tx.InsertModel(m.record); !s.ok()) {
    return StoreError(s, "model", m.model.name());
  }
  return m;
}

// A new DRAFT version of `model` with the label, notes, content and source of `draft`; the id
// is `requested_id` or the model's next free number.
absl::StatusOr<api::ModelVersion> InsertDraft(ModelTransaction& tx, const RequestContext& rc,
                                              absl::Time now, LoadedModel& model,
                                              const std::string& requested_id,
                                              api::ModelVersion draft) {
  if (absl::Status s = tx.LockVersionsQuota(model.record.id); !s.ok()) return s;
  absl::StatusOr<std::vector<VersionKey>> versions = tx.ListVersionKeys(model.record.id);
  if (!versions.ok()) return versions.status();
  if (versions->size() >= kMaxVersionsPerModel) {
    return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                 absl::StrCat("a model holds at most ", kMaxVersionsPerModel, " versions"));
  }
  std::set<std::string> taken;
  for (const VersionKey& r : *versions) taken.insert(r.id);
  std::string id = requested_id;
  if (taken.contains(id)) {
    return StoreError(absl::AlreadyExistsError(id), "model version",
                      VersionNameOf(rc, model.record.id, id));
  }
  if (id.empty()) {
    while (taken.contains(absl::StrCat(model.record.next_version_number))) {
      ++model.record.next_version_number;
    }
    id = absl::StrCat(model.record.next_version_number++);
  }
  ModelVersionRecord record;
  record.model_id = model.record.id;
  record.id = id;
  record.seq = versions->empty() ? 1 : versions->front().seq + 1;
  record.version = 1;
  draft.set_name(VersionNameOf(rc, model.record.id, id));
  draft.set_state(api::MODEL_VERSION_STATE_DRAFT);
  draft.clear_content_hash();
  *draft.mutable_create_time() = ToProto(now);
  *draft.mutable_update_time() = ToProto(now);
  draft.clear_publish_time();
  draft.clear_deprecate_time();
  draft.set_etag(EtagOf(1));
  record.state = StateName(draft.state());
  record.body = DeterministicBytes(draft);
  if (absl::Status s = tx.InsertVersion(record); !s.ok()) {
    return StoreError(s, "model version", draft.name());
  }
  // The version counter lives on the model row, so concurrent creations cannot both take it.
  const int64_t expected = model.record.version;
  model.record.version = expected + 1;
  if (absl::Status s = tx.UpdateModel(model.record, expected); !s.ok()) {
    return StoreError(s, "model", model.model.name());
  }
  return draft;
}

// --- Lists: filters and page tokens ----------------------------------------------------------

struct Term {
  std::string field;  // "state", "content_hash", "builtin", "labels.<key>"
  bool negate = false;
  std::string value;
};

// AIP-160 subset: `field = value` / `field != value` joined by AND; values quoted or one word.
absl::StatusOr<std::vector<Term>> ParseFilter(absl::string_view filter,
                                              const std::vector<std::string>& fields, bool labels) {
  std::vector<Term> terms;
  if (absl::StripAsciiWhitespace(filter).empty()) return terms;
  for (absl::string_view part : absl::StrSplit(filter, " AND ")) {
    part = absl::StripAsciiWhitespace(part);
    size_t op = part.find('=');
    if (op == absl::string_view::npos || op == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("term '", part, "' is not of the form field = value or field != value"));
    }
    Term term;
    term.negate = part[op - 1] == '!';
    term.field = std::string(absl::StripAsciiWhitespace(part.substr(0, term.negate ? op - 1 : op)));
    absl::string_view value = absl::StripAsciiWhitespace(part.substr(op + 1));
    const bool known = std::find(fields.begin(), fields.end(), term.field) != fields.end() ||
                       (labels && absl::StartsWith(term.field, "labels.") && term.field.size() > 7);
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("unknown field '", term.field,
                                                     "' (allowed: ", absl::StrJoin(fields, ", "),
                                                     labels ? ", labels.<key>" : "", ")"));
    }
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    } else if (value.empty() || absl::StrContains(value, ' ') || absl::StrContains(value, '"')) {
      return absl::InvalidArgumentError(
          absl::StrCat("value of '", term.field, "' must be a quoted string or a single word"));
    }
    term.value = std::string(value);
    terms.push_back(std::move(term));
  }
  return terms;
}

bool ModelMatches(const api::Model& m, const std::vector<Term>& terms) {
  return std::all_of(terms.begin(), terms.end(), [&](const Term& t) {
    bool equal = false;
    if (t.field == "builtin") {
      equal = (m.builtin() ? "true" : "false") == t.value;
    } else {
      auto it = m.labels().find(t.field.substr(7));
      equal = it != m.labels().end() && it->second == t.value;
    }
    return equal != t.negate;
  });
}

bool VersionMatches(const api::ModelVersion& v, const std::vector<Term>& terms) {
  return std::all_of(terms.begin(), terms.end(), [&](const Term& t) {
    const bool equal = t.field == "state"
                           ? StateName(v.state()) == absl::StripPrefix(t.value, kStatePrefix)
                           : v.content_hash() == t.value;
    return equal != t.negate;
  });
}

// A page token carries the offset and the request fields it was made for, so reusing it with
// another query is refused rather than skipping or repeating results.
std::string PageToken(int offset, absl::string_view binding) {
  return absl::WebSafeBase64Escape(absl::StrCat("m1\x1e", offset, "\x1e", binding));
}

int ParsePageRequest(int page_size, const std::string& token, absl::string_view binding,
                     int default_size, int max_size, Violations& v, int* offset) {
  *offset = 0;
  if (page_size < 0) {
    v.Add("page_size", absl::StrCat("must be 0 (default ", default_size, ") or positive (at most ",
                                    max_size, ")"));
  }
  if (!token.empty()) {
    std::string decoded;
    std::vector<std::string> parts;
    if (absl::WebSafeBase64Unescape(token, &decoded)) {
      parts = absl::StrSplit(decoded, absl::MaxSplits('\x1e', 2));
    }
    if (parts.size() != 3 || parts[0] != "m1" || parts[2] != binding ||
        !absl::SimpleAtoi(parts[1], offset) || *offset < 0 || *offset > kMaxListOffset) {
      v.Add("page_token", "not a token from this list with the same filter");
    }
  }
  return page_size <= 0 ? default_size : std::min(page_size, max_size);
}

// What a lifecycle change of a tenant's version is asked with.
struct VersionChangeRequest {
  const std::string& name;
  const std::string& etag;
  const std::string& request_id;
  absl::string_view method;
};

using ApplyVersionChange =
    std::function<absl::Status(ModelTransaction&, const VersionRef&, LoadedVersion&, absl::Time)>;

// One lifecycle change of a tenant's version (publish, deprecate): the name and request_id
// checked, then in one transaction, once per request_id: load, require state `from` (else
// STATE_CONFLICT naming the state), check the etag, `apply` (which saves), and return the
// changed version in `out`. `*changed` says whether it happened now rather than being a
// retry's stored reply (only a real change is audited).
absl::Status ChangeVersionState(ModelStore& store, const RequestContext& rc, absl::Time now,
                                const VersionChangeRequest& change,
                                const google::protobuf::Message& request,
                                google::protobuf::Message* response, api::ModelVersion* out,
                                api::ModelVersionState from, absl::string_view refusal,
                                const ApplyVersionChange& apply, bool* changed) {
  absl::StatusOr<VersionRef> ref = ParseVersionName(rc, change.name, "name");
  if (!ref.ok()) return ref.status();
  if (ref->builtin) return BuiltinIsReadOnly(change.name);
  Violations v;
  CheckRequestId(v, change.request_id);
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  return store.InTransaction(rc, [&](ModelTransaction& tx) {
    return RunIdempotent(
        tx, rc, change.request_id, change.method, request, response, [&]() -> absl::Status {
          absl::StatusOr<LoadedVersion> current = LoadVersionToChange(tx, rc, *ref);
          if (!current.ok()) return current.status();
          if (current->version.state() != from) {
            return StateConflict(change.name, current->version.state(), refusal);
          }
          if (absl::Status s = CheckEtag(change.name, change.etag, current->version.etag());
              !s.ok()) {
            return s;
          }
          if (absl::Status s = apply(tx, *ref, *current, now); !s.ok()) return s;
          *out = std::move(current->version);
          *changed = true;
          return absl::OkStatus();
        });
  });
}

}  // namespace

bool IsBuiltinName(absl::string_view name) { return absl::StartsWith(name, "models/"); }

void ModelCore::RecordAudit(const RequestContext& rc, AuditEntry entry) {
  // The change is committed; a failed audit append must not turn it into an error the
  // caller would retry, so it is logged loudly instead.
  if (absl::Status s = audit_.Record(rc, entry); !s.ok()) {
    LogError("audit append failed",
             {{"action", entry.action}, {"resource", entry.resource}, {"error", s.ToString()}});
  }
}

// === Models ===================================================================================

absl::Status ModelCore::CreateModel(const RequestContext& rc, const api::CreateModelRequest& req,
                                    api::CreateModelResponse* resp) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  if (!req.model_id().empty() && !IsIdentifier(req.model_id(), 63)) {
    v.Add("model_id", "1-63 lowercase letters, digits or '-', starting with a letter");
  }
  CheckModelFields(req.model(), "model", v);
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid model");
  const absl::Time now = clock_();
  return store_.InTransaction(rc, [&](ModelTransaction& tx) {
    return RunIdempotent(tx, rc, req.request_id(), "CreateModel", req, resp, [&]() -> absl::Status {
      absl::StatusOr<LoadedModel> m = InsertModel(tx, rc, now, req.model_id(), req.model());
      if (!m.ok()) return m.status();
      *resp->mutable_model() = std::move(m->model);
      return absl::OkStatus();
    });
  });
}

absl::Status ModelCore::GetModel(const RequestContext& rc, const api::GetModelRequest& req,
                                 api::GetModelResponse* resp) {
  absl::StatusOr<ModelRef> ref = ParseModelName(rc, req.name(), "name");
  if (!ref.ok()) return ref.status();
  if (ref->builtin) {
    const BuiltinModel* b = FindBuiltin(ref->id);
    if (b == nullptr) return NotFound("model", req.name());
    *resp->mutable_model() = b->model;
    return absl::OkStatus();
  }
  return store_.InTransaction(rc, [&](ModelTransaction& tx) -> absl::Status {
    absl::StatusOr<LoadedModel> m = LoadModel(tx, rc, ref->id);
    if (!m.ok()) return m.status();
    *resp->mutable_model() = std::move(m->model);
    return absl::OkStatus();
  });
}

absl::Status ModelCore::ListModels(const RequestContext& rc, const api::ListModelsRequest& req,
                                   api::ListModelsResponse* resp) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  absl::StatusOr<std::vector<Term>> terms = ParseFilter(req.filter(), {"builtin"}, true);
  if (!terms.ok()) v.Add("filter", std::string(terms.status().message()));
  const std::string binding = absl::StrCat(req.filter(), "\x1f", req.include_builtin());
  int offset = 0;
  const int page_size = ParsePageRequest(req.page_size(), req.page_token(), binding,
                                         kDefaultModelPageSize, kMaxModelPageSize, v, &offset);
  if (!v.empty()) return WithReason(std::move(v).ToStatus("invalid list request"), "FIELD_INVALID");
  std::vector<api::Model> all;
  absl::Status read = store_.InTransaction(rc, [&](ModelTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<ModelRecord>> records = tx.ListModels();
    if (!records.ok()) return records.status();
    for (const ModelRecord& record : *records) {
      api::Model m;
      if (!m.ParseFromString(record.body)) {
        return absl::DataLossError(absl::StrCat("stored model ", record.id, " is unreadable"));
      }
      if (ModelMatches(m, *terms)) all.push_back(std::move(m));
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  if (req.include_builtin()) {
    for (const BuiltinModel& b : BuiltinModels()) {
      if (ModelMatches(b.model, *terms)) all.push_back(b.model);
    }
  }
  const int total = static_cast<int>(all.size());
  const int end = std::min(total, offset + page_size);
  for (int i = offset; i < end; ++i) *resp->add_models() = std::move(all[i]);
  if (end < total) resp->set_next_page_token(PageToken(end, binding));
  return absl::OkStatus();
}

absl::Status ModelCore::UpdateModel(const RequestContext& rc, const api::UpdateModelRequest& req,
                                    api::UpdateModelResponse* resp) {
  absl::StatusOr<ModelRef> ref = ParseModelName(rc, req.model().name(), "model.name");
  if (!ref.ok()) return ref.status();
  if (ref->builtin) return BuiltinIsReadOnly(req.model().name());
  static const std::set<std::string> kMutable = {"display_name", "description", "labels"};
  Violations v;
  FieldMask effective;
  if (req.update_mask().paths_size() == 0) {
    v.Add("update_mask",
          "required: list the fields to change (display_name, description, "
          "labels), or \"*\" for all of them");
  }
  for (const std::string& path : req.update_mask().paths()) {
    if (path == "*") {
      for (const std::string& field : kMutable) effective.add_paths(field);
    } else if (kMutable.contains(path)) {
      effective.add_paths(path);
    } else {
      v.Add("update_mask", absl::StrCat("'", path,
                                        "' cannot be changed (allowed: display_name, "
                                        "description, labels)"));
    }
  }
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid update");
  const absl::Time now = clock_();
  return store_.InTransaction(rc, [&](ModelTransaction& tx) {
    return RunIdempotent(tx, rc, req.request_id(), "UpdateModel", req, resp, [&]() -> absl::Status {
      absl::StatusOr<LoadedModel> m = LoadModelToChange(tx, rc, ref->id);
      if (!m.ok()) return m.status();
      if (absl::Status s = CheckEtag(m->model.name(), req.model().etag(), m->model.etag());
          !s.ok()) {
        return s;
      }
      FieldMaskUtil::MergeOptions options;
      options.set_replace_message_fields(true);
      options.set_replace_repeated_fields(true);
      FieldMaskUtil::MergeMessageTo(req.model(), effective, options, &m->model);
      Violations invalid;
      CheckModelFields(m->model, "model", invalid);
      if (!invalid.empty()) return std::move(invalid).ToStatus("invalid model");
      m->model.set_etag(EtagOf(m->record.version + 1));
      *m->model.mutable_update_time() = ToProto(now);
      if (absl::Status s = SaveModel(tx, *m); !s.ok()) return s;
      *resp->mutable_model() = std::move(m->model);
      return absl::OkStatus();
    });
  });
}

absl::Status ModelCore::DeleteModel(const RequestContext& rc, const api::DeleteModelRequest& req,
                                    api::DeleteModelResponse* resp) {
  absl::StatusOr<ModelRef> ref = ParseModelName(rc, req.name(), "name");
  if (!ref.ok()) return ref.status();
  if (ref->builtin) return BuiltinIsReadOnly(req.name());
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  return store_.InTransaction(rc, [&](ModelTransaction& tx) {
    return RunIdempotent(tx, rc, req.request_id(), "DeleteModel", req, resp, [&]() -> absl::Status {
      absl::StatusOr<LoadedModel> m = LoadModelToChange(tx, rc, ref->id);
      if (!m.ok()) return m.status();
      if (absl::Status s = CheckEtag(req.name(), req.etag(), m->model.etag()); !s.ok()) return s;
      absl::StatusOr<std::vector<VersionKey>> versions = tx.ListVersionKeys(ref->id);
      if (!versions.ok()) return versions.status();
      std::vector<std::string> pinned;
      for (const VersionKey& r : *versions) {
        if (r.state != "DRAFT") pinned.push_back(VersionNameOf(rc, ref->id, r.id));
      }
      if (!pinned.empty()) {
        return Error(absl::StatusCode::kFailedPrecondition, "RESOURCE_IN_USE",
                     absl::StrCat(req.name(), " has published or deprecated versions (",
                                  absl::StrJoin(pinned, ", "),
                                  ") that sessions and scorecards may pin; it cannot be deleted"));
      }
      return tx.DeleteModel(ref->id);
    });
  });
}

// === Versions =================================================================================

absl::Status ModelCore::CreateModelVersion(const RequestContext& rc,
                                           const api::CreateModelVersionRequest& req,
                                           api::CreateModelVersionResponse* resp) {
  absl::StatusOr<ModelRef> parent = ParseModelName(rc, req.parent(), "parent");
  if (!parent.ok()) return parent.status();
  if (parent->builtin) return BuiltinIsReadOnly(req.parent());
  std::optional<VersionRef> source;
  if (!req.source_version().empty()) {
    absl::StatusOr<VersionRef> s = ParseVersionName(rc, req.source_version(), "source_version");
    if (!s.ok()) return s.status();
    source = *std::move(s);
  }
  Violations v;
  if (!req.model_version_id().empty() && !IsVersionId(req.model_version_id())) {
    v.Add("model_version_id",
          "1-63 lowercase letters, digits, '-' or '.', starting with a letter or digit");
  }
  CheckVersionFields(req.model_version(), "model_version", v);
  if (source.has_value() && req.model_version().content().ByteSizeLong() > 0) {
    v.Add("model_version.content",
          "must be empty when source_version is set: the content is copied from it");
  }
  CheckDraftSize(req.model_version().content(), "model_version.content", v);
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid model version");
  const absl::Time now = clock_();
  return store_.InTransaction(rc, [&](ModelTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "CreateModelVersion", req, resp, [&]() -> absl::Status {
          absl::StatusOr<LoadedModel> model = LoadModelToChange(tx, rc, parent->id);
          if (!model.ok()) return model.status();
          api::ModelVersion draft;
          draft.set_version_label(req.model_version().version_label());
          if (req.model_version().has_release_notes()) {
            *draft.mutable_release_notes() = req.model_version().release_notes();
          }
          if (source.has_value()) {
            if (source->builtin) {
              absl::StatusOr<const api::ModelVersion*> b = FindBuiltinVersion(*source);
              if (!b.ok()) return b.status();
              *draft.mutable_content() = (*b)->content();
            } else {
              absl::StatusOr<LoadedVersion> s = LoadVersion(tx, rc, *source);
              if (!s.ok()) return s.status();
              *draft.mutable_content() = s->version.content();
            }
            draft.set_source_version(source->name);
          } else {
            *draft.mutable_content() = req.model_version().content();
          }
          absl::StatusOr<api::ModelVersion> created =
              InsertDraft(tx, rc, now, *model, req.model_version_id(), std::move(draft));
          if (!created.ok()) return created.status();
          *resp->mutable_model_version() = *std::move(created);
          return absl::OkStatus();
        });
  });
}

absl::Status ModelCore::GetModelVersion(const RequestContext& rc,
                                        const api::GetModelVersionRequest& req,
                                        api::GetModelVersionResponse* resp) {
  absl::StatusOr<VersionRef> ref = ParseVersionName(rc, req.name(), "name");
  if (!ref.ok()) return ref.status();
  if (ref->builtin) {
    absl::StatusOr<const api::ModelVersion*> b = FindBuiltinVersion(*ref);
    if (!b.ok()) return b.status();
    *resp->mutable_model_version() = **b;
    if (req.skip_content()) resp->mutable_model_version()->clear_content();
    return absl::OkStatus();
  }
  return store_.InTransaction(rc, [&](ModelTransaction& tx) -> absl::Status {
    absl::StatusOr<LoadedVersion> v = LoadVersion(tx, rc, *ref);
    if (!v.ok()) return v.status();
    *resp->mutable_model_version() = std::move(v->version);
    if (req.skip_content()) resp->mutable_model_version()->clear_content();
    return absl::OkStatus();
  });
}

absl::Status ModelCore::GetModelVersionWire(const RequestContext& rc,
                                            const api::GetModelVersionRequest& req,
                                            WireResponse* resp) {
  absl::StatusOr<VersionRef> ref = ParseVersionName(rc, req.name(), "name");
  if (!ref.ok()) return ref.status();
  if (ref->builtin) {
    auto it = BuiltinWires().find(ref->name);
    if (it == BuiltinWires().end()) return NotFound("model version", ref->name);
    resp->shared = req.skip_content() ? &it->second.skip_content : &it->second.full;
    return absl::OkStatus();
  }
  return store_.InTransaction(rc, [&](ModelTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<ModelVersionRecord>> record =
        tx.GetVersion(ref->model_id, ref->id);
    if (!record.ok()) return record.status();
    if (!record->has_value()) return NotFound("model version", ref->name);
    if (!req.skip_content()) {
      resp->owned = ResponseWrapping((*record)->body);
      return absl::OkStatus();
    }
    absl::StatusOr<api::ModelVersion> version = ParseVersion(**record);
    if (!version.ok()) return version.status();
    version->clear_content();
    resp->owned = ResponseWrapping(DeterministicBytes(*version));
    return absl::OkStatus();
  });
}

absl::Status ModelCore::ListModelVersions(const RequestContext& rc,
                                          const api::ListModelVersionsRequest& req,
                                          api::ListModelVersionsResponse* resp) {
  absl::StatusOr<ModelRef> parent = ParseModelName(rc, req.parent(), "parent");
  if (!parent.ok()) return parent.status();
  Violations v;
  absl::StatusOr<std::vector<Term>> terms =
      ParseFilter(req.filter(), {"state", "content_hash"}, false);
  if (!terms.ok()) {
    v.Add("filter", std::string(terms.status().message()));
  } else {
    for (const Term& t : *terms) {
      api::ModelVersionState state;
      if (t.field == "state" &&
          (!api::ModelVersionState_Parse(
               absl::StrCat(kStatePrefix, absl::StripPrefix(t.value, kStatePrefix)), &state) ||
           state == api::MODEL_VERSION_STATE_UNSPECIFIED)) {
        v.Add("filter", absl::StrCat("unknown state '", t.value,
                                     "' (allowed: DRAFT, PUBLISHED, DEPRECATED)"));
      }
    }
  }
  const std::string binding =
      absl::StrCat(req.parent(), "\x1f", req.filter(), "\x1f", req.include_content());
  int offset = 0;
  const int page_size = ParsePageRequest(req.page_size(), req.page_token(), binding,
                                         kDefaultVersionPageSize, kMaxVersionPageSize, v, &offset);
  if (!v.empty()) return WithReason(std::move(v).ToStatus("invalid list request"), "FIELD_INVALID");

  // The page and one more, to know whether another follows.
  std::vector<api::ModelVersion> page;
  auto add = [&](api::ModelVersion version) {
    if (!req.include_content()) version.clear_content();
    page.push_back(std::move(version));
  };
  if (parent->builtin) {
    const BuiltinModel* b = FindBuiltin(parent->id);
    if (b == nullptr) return NotFound("model", req.parent());
    int skip = offset;
    for (auto it = b->versions.rbegin();
         it != b->versions.rend() && static_cast<int>(page.size()) <= page_size; ++it) {
      if (!VersionMatches(*it, *terms)) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      add(*it);
    }
  } else {
    VersionFilter filter;
    for (const Term& t : *terms) {
      if (t.field == "state") {
        (t.negate ? filter.state_is_not : filter.state_is)
            .emplace_back(absl::StripPrefix(t.value, kStatePrefix));
      } else {
        (t.negate ? filter.content_hash_is_not : filter.content_hash_is).push_back(t.value);
      }
    }
    absl::Status read = store_.InTransaction(rc, [&](ModelTransaction& tx) -> absl::Status {
      if (absl::StatusOr<LoadedModel> m = LoadModel(tx, rc, parent->id); !m.ok()) {
        return m.status();
      }
      absl::StatusOr<std::vector<ModelVersionRecord>> records =
          tx.ListVersionsPage(parent->id, filter, offset, page_size + 1);
      if (!records.ok()) return records.status();
      for (const ModelVersionRecord& record : *records) {
        absl::StatusOr<api::ModelVersion> version = ParseVersion(record);
        if (!version.ok()) return version.status();
        add(*std::move(version));
      }
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
  }
  const bool more = static_cast<int>(page.size()) > page_size;
  if (more) page.pop_back();
  for (api::ModelVersion& version : page) *resp->add_model_versions() = std::move(version);
  if (more) resp->set_next_page_token(PageToken(offset + page_size, binding));
  return absl::OkStatus();
}

absl::Status ModelCore::UpdateModelVersion(const RequestContext& rc,
                                           const api::UpdateModelVersionRequest& req,
                                           api::UpdateModelVersionResponse* resp) {
  const std::string& name = req.model_version().name();
  absl::StatusOr<VersionRef> ref = ParseVersionName(rc, name, "model_version.name");
  if (!ref.ok()) return ref.status();
  if (ref->builtin) return BuiltinIsReadOnly(name);
  static const std::set<std::string> kMutable = {"version_label", "release_notes", "content"};
  Violations v;
  FieldMask effective;
  if (req.update_mask().paths_size() == 0) {
    v.Add("update_mask",
          "required: list the fields to change (version_label, release_notes, "
          "content), or \"*\" for all of them");
  }
  for (const std::string& path : req.update_mask().paths()) {
    if (path == "*") {
      for (const std::string& field : kMutable) effective.add_paths(field);
    } else if (kMutable.contains(path)) {
      effective.add_paths(path);
    } else {
      v.Add("update_mask",
            absl::StrCat("'", path,
                         "' cannot be changed (allowed: version_label, release_notes, content; "
                         "state changes through :publish and :deprecate)"));
    }
  }
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid update");
  const absl::Time now = clock_();
  return store_.InTransaction(rc, [&](ModelTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "UpdateModelVersion", req, resp, [&]() -> absl::Status {
          absl::StatusOr<LoadedVersion> current = LoadVersionToChange(tx, rc, *ref);
          if (!current.ok()) return current.status();
          if (current->version.state() != api::MODEL_VERSION_STATE_DRAFT) {
            return StateConflict(name, current->version.state(), kPublishedNeverChange);
          }
          if (absl::Status s = CheckEtag(name, req.model_version().etag(), current->version.etag());
              !s.ok()) {
            return s;
          }
          FieldMaskUtil::MergeOptions options;
          options.set_replace_message_fields(true);
          options.set_replace_repeated_fields(true);
          FieldMaskUtil::MergeMessageTo(req.model_version(), effective, options, &current->version);
          Violations invalid;
          CheckVersionFields(current->version, "model_version", invalid);
          CheckDraftSize(current->version.content(), "model_version.content", invalid);
          if (!invalid.empty()) return std::move(invalid).ToStatus("invalid model version");
          if (absl::Status s = SaveVersion(tx, *current, now); !s.ok()) return s;
          *resp->mutable_model_version() = std::move(current->version);
          return absl::OkStatus();
        });
  });
}

absl::Status ModelCore::DeleteModelVersion(const RequestContext& rc,
                                           const api::DeleteModelVersionRequest& req,
                                           api::DeleteModelVersionResponse* resp) {
  absl::StatusOr<VersionRef> ref = ParseVersionName(rc, req.name(), "name");
  if (!ref.ok()) return ref.status();
  if (ref->builtin) return BuiltinIsReadOnly(req.name());
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  return store_.InTransaction(rc, [&](ModelTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "DeleteModelVersion", req, resp, [&]() -> absl::Status {
          absl::StatusOr<LoadedVersion> current = LoadVersionToChange(tx, rc, *ref);
          if (!current.ok()) return current.status();
          if (current->version.state() != api::MODEL_VERSION_STATE_DRAFT) {
            return StateConflict(req.name(), current->version.state(),
                                 "only drafts can be deleted (deprecate it instead)");
          }
          if (absl::Status s = CheckEtag(req.name(), req.etag(), current->version.etag());
              !s.ok()) {
            return s;
          }
          return tx.DeleteVersion(ref->model_id, ref->id);
        });
  });
}

absl::Status ModelCore::ValidateModelVersion(const RequestContext& rc,
                                             const api::ValidateModelVersionRequest& req,
                                             api::ValidateModelVersionResponse* resp) {
  absl::StatusOr<VersionRef> ref = ParseVersionName(rc, req.name(), "name");
  if (!ref.ok()) return ref.status();
  api::ModelContent content;
  if (ref->builtin) {
    absl::StatusOr<const api::ModelVersion*> b = FindBuiltinVersion(*ref);
    if (!b.ok()) return b.status();
    content = (*b)->content();
  } else {
    absl::Status read = store_.InTransaction(rc, [&](ModelTransaction& tx) -> absl::Status {
      absl::StatusOr<LoadedVersion> v = LoadVersion(tx, rc, *ref);
      if (!v.ok()) return v.status();
      content = std::move(*v->version.mutable_content());
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
  }
  std::vector<FieldViolation> violations = ValidateModelContent(content, "content");
  resp->set_valid(violations.empty());
  for (const FieldViolation& f : violations) *resp->add_violations() = ToModelViolation(f);
  return absl::OkStatus();
}

absl::Status ModelCore::PublishModelVersion(const RequestContext& rc,
                                            const api::PublishModelVersionRequest& req,
                                            api::PublishModelVersionResponse* resp) {
  bool published = false;
  absl::Status status = ChangeVersionState(
      store_, rc, clock_(), {req.name(), req.etag(), req.request_id(), "PublishModelVersion"}, req,
      resp, resp->mutable_model_version(), api::MODEL_VERSION_STATE_DRAFT,
      "only drafts can be published",
      [&](ModelTransaction& tx, const VersionRef& ref, LoadedVersion& current,
          absl::Time now) -> absl::Status {
        std::vector<FieldViolation> violations =
            ValidateModelContent(current.version.content(), "content");
        if (!violations.empty()) {
          return ValidationFailed(absl::StrCat(req.name(), " cannot be published"), violations);
        }
        api::ModelVersion& mv = current.version;
        mv.set_state(api::MODEL_VERSION_STATE_PUBLISHED);
        mv.set_content_hash(ContentHash(mv.content()));
        *mv.mutable_publish_time() = ToProto(now);
        if (absl::Status s = SaveVersion(tx, current, now); !s.ok()) return s;

        absl::StatusOr<LoadedModel> model = LoadModel(tx, rc, ref.model_id);
        if (!model.ok()) return model.status();
        // latest_published_version names the newest version PUBLISHED: this one, unless a
        // newer one was published before it.
        absl::StatusOr<std::vector<VersionKey>> all = tx.ListVersionKeys(ref.model_id);
        if (!all.ok()) return all.status();
        std::string latest = req.name();
        for (const VersionKey& r : *all) {  // newest first
          if (r.id == ref.id) break;
          if (r.state == "PUBLISHED") {
            latest = VersionNameOf(rc, ref.model_id, r.id);
            break;
          }
        }
        model->model.set_latest_published_version(latest);
        model->model.set_etag(EtagOf(model->record.version + 1));
        *model->model.mutable_update_time() = ToProto(now);
        return SaveModel(tx, *model);
      },
      &published);
  if (status.ok() && published) {
    RecordAudit(rc, {"model_version.published", req.name(),
                     absl::StrCat("content_hash ", resp->model_version().content_hash())});
  }
  return status;
}

absl::Status ModelCore::DeprecateModelVersion(const RequestContext& rc,
                                              const api::DeprecateModelVersionRequest& req,
                                              api::DeprecateModelVersionResponse* resp) {
  bool deprecated = false;
  absl::Status status = ChangeVersionState(
      store_, rc, clock_(), {req.name(), req.etag(), req.request_id(), "DeprecateModelVersion"},
      req, resp, resp->mutable_model_version(), api::MODEL_VERSION_STATE_PUBLISHED,
      "only published versions can be deprecated",
      [&](ModelTransaction& tx, const VersionRef& ref, LoadedVersion& current,
          absl::Time now) -> absl::Status {
        current.version.set_state(api::MODEL_VERSION_STATE_DEPRECATED);
        *current.version.mutable_deprecate_time() = ToProto(now);
        if (absl::Status s = SaveVersion(tx, current, now); !s.ok()) return s;

        // latest_published_version names the newest version still PUBLISHED.
        absl::StatusOr<LoadedModel> model = LoadModel(tx, rc, ref.model_id);
        if (!model.ok()) return model.status();
        if (model->model.latest_published_version() != req.name()) return absl::OkStatus();
        absl::StatusOr<std::vector<VersionKey>> all = tx.ListVersionKeys(ref.model_id);
        if (!all.ok()) return all.status();
        std::string latest;
        for (const VersionKey& r : *all) {
          if (r.state == "PUBLISHED" && r.id != ref.id) {
            latest = VersionNameOf(rc, ref.model_id, r.id);
            break;
          }
        }
        model->model.set_latest_published_version(latest);
        model->model.set_etag(EtagOf(model->record.version + 1));
        *model->model.mutable_update_time() = ToProto(now);
        return SaveModel(tx, *model);
      },
      &deprecated);
  if (status.ok() && deprecated) {
    RecordAudit(rc, {"model_version.deprecated", req.name(),
                     absl::StrCat("content_hash ", resp->model_version().content_hash())});
  }
  return status;
}

// === Import and export ========================================================================

absl::Status ModelCore::ImportModel(const RequestContext& rc, const api::ImportModelRequest& req,
                                    api::ImportModelResponse* resp) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  std::optional<ModelRef> target;
  if (!req.model().empty()) {
    absl::StatusOr<ModelRef> ref = ParseModelName(rc, req.model(), "model");
    if (!ref.ok()) return ref.status();
    if (ref->builtin) return BuiltinIsReadOnly(req.model());
    target = *std::move(ref);
    if (!req.model_id().empty()) v.Add("model_id", "must be empty when model is set");
  }
  if (!req.model_id().empty() && !IsIdentifier(req.model_id(), 63)) {
    v.Add("model_id", "1-63 lowercase letters, digits or '-', starting with a letter");
  }
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid import request");

  // Paths of a JSON document are the document's own; a message document's are the request's.
  api::ModelDocument doc;
  std::string p;
  switch (req.source_case()) {
    case api::ImportModelRequest::kJson: {
      std::vector<FieldViolation> problems = ParseModelDocumentJson(req.json(), &doc);
      if (!problems.empty()) {
        return ValidationFailed("the model document cannot be read", problems, "PAYLOAD_INVALID");
      }
      break;
    }
    case api::ImportModelRequest::kDocument:
      if (req.document().ByteSizeLong() > kMaxModelDocumentBytes) {
        v.Add("document",
              absl::StrCat("a model document is at most ", kMaxModelDocumentBytes,
                           " bytes (4 MiB); this one has ", req.document().ByteSizeLong()));
        return std::move(v).ToStatus("invalid import request");
      }
      doc = req.document();
      p = "document.";
      break;
    case api::ImportModelRequest::SOURCE_NOT_SET:
      v.Add("json", "required: the model document, as JSON (json) or as a message (document)");
      return std::move(v).ToStatus("invalid import request");
  }

  // Every problem at once: the document's own fields, then the content rules.
  std::vector<FieldViolation> problems;
  if (!doc.format().empty() && doc.format() != kModelDocumentFormat) {
    problems.push_back({p + "format", absl::StrCat("unsupported format \"", doc.format(),
                                                   "\" (allowed: ", kModelDocumentFormat, ")")});
  }
  Violations fields;
  if (!target.has_value()) CheckModelFields(doc.model(), p + "model", fields);
  CheckVersionFields(doc.model_version(), p + "model_version", fields);
  if (!fields.empty()) {
    for (const FieldViolation& f : ViolationsOf(std::move(fields).ToStatus(""))) {
      problems.push_back(f);
    }
  }
  for (FieldViolation& f :
       ValidateModelContent(doc.model_version().content(), p + "model_version.content")) {
    problems.push_back(std::move(f));
  }
  if (!problems.empty()) return ValidationFailed("invalid model", problems);

  api::ModelVersion draft;
  draft.set_version_label(doc.model_version().version_label());
  if (doc.model_version().has_release_notes()) {
    *draft.mutable_release_notes() = doc.model_version().release_notes();
  }
  *draft.mutable_content() = std::move(*doc.mutable_model_version()->mutable_content());
  if (req.validate_only()) {
    draft.set_state(api::MODEL_VERSION_STATE_DRAFT);
    *resp->mutable_model_version() = std::move(draft);
    return absl::OkStatus();
  }
  const absl::Time now = clock_();
  return store_.InTransaction(rc, [&](ModelTransaction& tx) {
    return RunIdempotent(tx, rc, req.request_id(), "ImportModel", req, resp, [&]() -> absl::Status {
      absl::StatusOr<LoadedModel> model =
          target.has_value() ? LoadModelToChange(tx, rc, target->id)
                             : InsertModel(tx, rc, now, req.model_id(), doc.model());
      if (!model.ok()) return model.status();
      absl::StatusOr<api::ModelVersion> created = InsertDraft(tx, rc, now, *model, "", draft);
      if (!created.ok()) return created.status();
      *resp->mutable_model() = model->model;
      *resp->mutable_model_version() = *std::move(created);
      return absl::OkStatus();
    });
  });
}

absl::Status ModelCore::ExportModelVersion(const RequestContext& rc,
                                           const api::ExportModelVersionRequest& req,
                                           api::ExportModelVersionResponse* resp) {
  absl::StatusOr<VersionRef> ref = ParseVersionName(rc, req.name(), "name");
  if (!ref.ok()) return ref.status();
  api::ModelDocument doc;
  if (ref->builtin) {
    absl::StatusOr<const api::ModelVersion*> b = FindBuiltinVersion(*ref);
    if (!b.ok()) return b.status();
    doc = DocumentOf(FindBuiltin(ref->model_id)->model, **b);
  } else {
    absl::Status read = store_.InTransaction(rc, [&](ModelTransaction& tx) -> absl::Status {
      absl::StatusOr<LoadedModel> m = LoadModel(tx, rc, ref->model_id);
      if (!m.ok()) return m.status();
      absl::StatusOr<LoadedVersion> v = LoadVersion(tx, rc, *ref);
      if (!v.ok()) return v.status();
      doc = DocumentOf(m->model, v->version);
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
  }
  resp->set_json(ModelDocumentToJson(doc));
  if (resp->json().empty()) return absl::InternalError("the model document cannot be printed");
  resp->set_content_type("application/json");
  resp->set_filename(absl::StrCat(ref->model_id, "-", ref->id, ".json"));
  return absl::OkStatus();
}

}  // namespace lagom::questionnaire
