#include "services/questionnaire/catalog/catalog_core.h"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/field_mask_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/list_query.h"
#include "common/log.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "services/questionnaire/catalog/catalog_import.h"
#include "services/questionnaire/catalog/catalog_rules.h"
#include "services/questionnaire/model/validation.h"

namespace lagom::questionnaire {
namespace {

using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;

std::string TenantName(const RequestContext& rc) { return absl::StrCat("tenants/", rc.tenant_id); }

// "tenants/{tenant}": another tenant's parent is NOT_FOUND, with no hint that it exists.
absl::Status CheckParent(const RequestContext& rc, absl::string_view parent, Violations& v) {
  std::vector<absl::string_view> parts = absl::StrSplit(parent, '/');
  if (parts.size() != 2 || parts[0] != "tenants" || parts[1].empty()) {
    v.Add("parent", absl::StrCat("'", parent, "' is not a tenant name like tenants/{tenant}"));
    return absl::OkStatus();
  }
  if (parts[1] != rc.tenant_id) return NotFound("tenant", parent);
  return absl::OkStatus();
}

// --- The two kinds of catalogue resource -------------------------------------------------

struct CustomerOrganizationKind {
  using Resource = catalog::CustomerOrganization;
  static constexpr CatalogKind kKind = CatalogKind::kCustomerOrganization;
  static constexpr char kCollection[] = "customerOrganizations";
  static constexpr char kNoun[] = "customer organisation";
  static constexpr char kField[] = "customer_organization";
  static constexpr char kIdPrefix[] = "org";

  static std::vector<std::string> FilterFields() {
    return {"display_name", "external_id", "industry", "country_code", "labels"};
  }

  static void Validate(const Resource& r, const std::string& p, Violations& v) {
    ValidateCustomerOrganization(r, p, v);
  }

  static std::vector<std::string> Refs(const Resource&) { return {}; }

  static absl::Status CheckReferences(CatalogTransaction&, const RequestContext&, const Resource&,
                                      const std::string&, Violations&) {
    return absl::OkStatus();
  }

  // An organisation that services still name cannot go: the catalogue would point at nothing.
  static absl::Status CheckUnused(CatalogTransaction& tx, const RequestContext& rc,
                                  const std::string& name) {
    absl::StatusOr<std::vector<std::string>> users =
        tx.FindReferencing(CatalogKind::kService, name);
    if (!users.ok()) return users.status();
    if (users->empty()) return absl::OkStatus();
    for (std::string& id : *users) id = absl::StrCat(TenantName(rc), "/services/", id);
    return Error(absl::StatusCode::kFailedPrecondition, "RESOURCE_IN_USE",
                 absl::StrCat(name, " is used by ", absl::StrJoin(*users, ", "),
                              "; remove it from their customer_organizations first"));
  }
};

struct ItServiceKind {
  using Resource = catalog::ItService;
  static constexpr CatalogKind kKind = CatalogKind::kService;
  static constexpr char kCollection[] = "services";
  static constexpr char kNoun[] = "service";
  static constexpr char kField[] = "service";
  static constexpr char kIdPrefix[] = "svc";

  static std::vector<std::string> FilterFields() {
    return {"display_name",           "external_id", "owner", "category", "lifecycle_stage",
            "customer_organizations", "labels"};
  }

  static void Validate(const Resource& r, const std::string& p, Violations& v) {
    ValidateItService(r, p, v);
  }

  static std::vector<std::string> Refs(const Resource& r) {
    return {r.customer_organizations().begin(), r.customer_organizations().end()};
  }

  // Each named organisation must exist in the caller's tenant; a name from another tenant is
  // reported exactly like a missing one.
  static absl::Status CheckReferences(CatalogTransaction& tx, const RequestContext& rc,
                                      const Resource& r, const std::string& p, Violations& v) {
    const std::string prefix = absl::StrCat(TenantName(rc), "/customerOrganizations/");
    std::set<std::string> seen;
    for (int i = 0; i < r.customer_organizations_size(); ++i) {
      const std::string& name = r.customer_organizations(i);
      const std::string path = absl::StrCat(p, ".customer_organizations[", i, "]");
      if (!seen.insert(name).second) {
        v.Add(path, absl::StrCat("'", name, "' is listed twice"));
        continue;
      }
      absl::string_view id = name;
      if (!absl::ConsumePrefix(&id, prefix) || id.empty() || absl::StrContains(id, '/')) {
        v.Add(path, absl::StrCat("'", name, "' is not a customer organisation of this tenant (",
                                 prefix, "{customer_organization})"));
        continue;
      }
      // Kept until the reference commits: a deletion of it waits, then sees the reference.
      absl::StatusOr<bool> found = tx.Refer(CatalogKind::kCustomerOrganization, std::string(id));
      if (!found.ok()) return found.status();
      if (!*found) v.Add(path, absl::StrCat("customer organisation ", name, " not found"));
    }
    return absl::OkStatus();
  }

  static absl::Status CheckUnused(CatalogTransaction&, const RequestContext&, const std::string&) {
    return absl::OkStatus();
  }
};

// --- The standard methods, once for both kinds --------------------------------------------

template <typename K>
class Methods final {
 public:
  using Resource = typename K::Resource;

  static std::string NameOf(const RequestContext& rc, absl::string_view id) {
    return absl::StrCat(TenantName(rc), "/", K::kCollection, "/", id);
  }

  // The id in `name`, or INVALID_ARGUMENT for a malformed name, or NOT_FOUND for a name in
  // another tenant (no hint whether it exists there).
  static absl::StatusOr<std::string> IdFrom(const RequestContext& rc, absl::string_view name,
                                            const std::string& field) {
    std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
    if (parts.size() != 4 || parts[0] != "tenants" || parts[2] != K::kCollection ||
        parts[1].empty() || parts[3].empty()) {
      Violations v;
      v.Add(field, absl::StrCat("'", name, "' is not a ", K::kNoun, " name like tenants/{tenant}/",
                                K::kCollection, "/{id}"));
      return std::move(v).ToStatus("invalid resource name");
    }
    if (parts[1] != rc.tenant_id) return NotFound(K::kNoun, name);
    return std::string(parts[3]);
  }

  static absl::StatusOr<Resource> Load(CatalogTransaction& tx, const RequestContext& rc,
                                       const std::string& id, int64_t* version = nullptr) {
    absl::StatusOr<std::optional<CatalogRecord>> record = tx.Get(K::kKind, id);
    if (!record.ok()) return record.status();
    if (!record->has_value()) return NotFound(K::kNoun, NameOf(rc, id));
    Resource resource;
    if (!resource.ParseFromString((*record)->body)) {
      return absl::DataLossError(absl::StrCat("stored ", K::kNoun, " ", id, " is unreadable"));
    }
    if (version != nullptr) *version = (*record)->version;
    return resource;
  }

  // The same, holding the record first (CatalogTransaction::Hold) to change it.
  static absl::StatusOr<Resource> LoadToChange(CatalogTransaction& tx, const RequestContext& rc,
                                               const std::string& id, int64_t* version = nullptr) {
    if (absl::Status s = tx.Hold(K::kKind, id); !s.ok()) return s;
    return Load(tx, rc, id, version);
  }

  static CatalogRecord ToRecord(const std::string& id, int64_t version, const Resource& r,
                                absl::Time create_time, absl::Time update_time) {
    CatalogRecord record;
    record.id = id;
    record.version = version;
    if (!r.external_id().empty()) record.external_id = r.external_id();
    record.refs = K::Refs(r);
    record.body = r.SerializeAsString();
    record.create_time = create_time;
    record.update_time = update_time;
    return record;
  }

  // external_id is unique within the tenant and kind.
  static absl::Status CheckExternalIdFree(CatalogTransaction& tx, const RequestContext& rc,
                                          const Resource& r, const std::string& own_id) {
    if (r.external_id().empty()) return absl::OkStatus();
    absl::StatusOr<std::optional<std::string>> holder =
        tx.FindByExternalId(K::kKind, r.external_id());
    if (!holder.ok()) return holder.status();
    if (!holder->has_value() || **holder == own_id) return absl::OkStatus();
    return WithReason(
        InvalidArgumentError(absl::StrCat("external_id '", r.external_id(), "' is already used by ",
                                          NameOf(rc, **holder)),
                             {{absl::StrCat(K::kField, ".external_id"),
                               absl::StrCat("already used by ", NameOf(rc, **holder))}}),
        "ALREADY_EXISTS");
  }

  static absl::Status Create(CatalogStore& store, const RequestContext& rc, absl::Time now,
                             const std::string& parent, const Resource& input,
                             const std::string& id_in, absl::string_view request_id,
                             const google::protobuf::Message& request, Resource* out,
                             google::protobuf::Message* response, absl::string_view method) {
    Violations v;
    if (absl::Status s = CheckParent(rc, parent, v); !s.ok()) return s;
    if (!id_in.empty() && !IsIdentifier(id_in, 63)) {
      v.Add(absl::StrCat(K::kField, "_id"),
            "1-63 lowercase letters, digits or '-', starting with a letter");
    }
    K::Validate(input, K::kField, v);
    CheckRequestId(v, request_id);
    if (!v.empty()) return std::move(v).ToStatus(absl::StrCat("invalid ", K::kNoun));
    return store.InTransaction(rc, [&](CatalogTransaction& tx) {
      return RunIdempotent(tx, rc, request_id, method, request, response, [&]() -> absl::Status {
        Violations refs;
        if (absl::Status s = K::CheckReferences(tx, rc, input, K::kField, refs); !s.ok()) return s;
        if (!refs.empty()) return std::move(refs).ToStatus(absl::StrCat("invalid ", K::kNoun));
        const std::string id = id_in.empty() ? NewId(K::kIdPrefix) : id_in;
        if (absl::Status s = CheckExternalIdFree(tx, rc, input, id); !s.ok()) return s;
        if (absl::Status s = tx.LockQuota(K::kKind); !s.ok()) return s;
        absl::StatusOr<int> existing = tx.Count(K::kKind);
        if (!existing.ok()) return existing.status();
        if (*existing >= kMaxResourcesPerKind) {
          return Error(
              absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
              absl::StrCat("a tenant holds at most ", kMaxResourcesPerKind, " ", K::kCollection));
        }
        *out = input;
        out->set_name(NameOf(rc, id));
        *out->mutable_create_time() = ToProto(now);
        *out->mutable_update_time() = ToProto(now);
        out->set_etag(EtagOf(1));
        absl::Status inserted = tx.Insert(K::kKind, ToRecord(id, 1, *out, now, now));
        if (absl::IsAlreadyExists(inserted)) {
          return Error(absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                       absl::StrCat(K::kNoun, " ", out->name(), " already exists"));
        }
        return inserted;
      });
    });
  }

  static absl::Status Get(CatalogStore& store, const RequestContext& rc, const std::string& name,
                          Resource* out) {
    absl::StatusOr<std::string> id = IdFrom(rc, name, "name");
    if (!id.ok()) return id.status();
    return store.InTransaction(rc, [&](CatalogTransaction& tx) -> absl::Status {
      absl::StatusOr<Resource> r = Load(tx, rc, *id);
      if (!r.ok()) return r.status();
      *out = *std::move(r);
      return absl::OkStatus();
    });
  }

  template <typename Response>
  static absl::Status List(CatalogStore& store, const RequestContext& rc, const std::string& parent,
                           const ListRequestFields& fields, Response* resp,
                           google::protobuf::RepeatedPtrField<Resource>* page) {
    Violations v;
    if (absl::Status s = CheckParent(rc, parent, v); !s.ok()) return s;
    if (!v.empty()) return std::move(v).ToStatus("invalid list request");
    absl::StatusOr<ListQuery> query = ParseListQuery(
        fields, K::FilterFields(), {"display_name", "create_time", "update_time"}, "display_name");
    if (!query.ok()) return query.status();
    std::vector<Resource> all;
    absl::Status read = store.InTransaction(rc, [&](CatalogTransaction& tx) -> absl::Status {
      absl::StatusOr<std::vector<CatalogRecord>> records = tx.List(K::kKind);
      if (!records.ok()) return records.status();
      for (const CatalogRecord& record : *records) {
        Resource r;
        if (!r.ParseFromString(record.body)) {
          return absl::DataLossError(
              absl::StrCat("stored ", K::kNoun, " ", record.id, " is unreadable"));
        }
        if (Matches(r, query->filter)) all.push_back(std::move(r));
      }
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
    std::vector<const google::protobuf::Message*> ordered;
    for (const Resource& r : all) ordered.push_back(&r);
    SortForQuery(ordered, *query);
    const int total = static_cast<int>(ordered.size());
    const int end = std::min(total, query->offset + query->page_size);
    for (int i = query->offset; i < end; ++i) {
      page->Add()->CopyFrom(*ordered[i]);
    }
    resp->set_total_size(total);
    if (end < total) resp->set_next_page_token(NextPageToken(fields, end));
    return absl::OkStatus();
  }

  static absl::StatusOr<FieldMask> CheckMask(const FieldMask& mask) {
    static const std::set<std::string> kOutputOnly = {"name", "create_time", "update_time", "etag"};
    Violations v;
    if (mask.paths_size() == 0) {
      v.Add("update_mask", "required: list the fields to change, or \"*\" for all of them");
    }
    FieldMask effective;
    for (const std::string& path : mask.paths()) {
      if (path == "*") {
        for (int i = 0; i < Resource::descriptor()->field_count(); ++i) {
          const std::string& field = Resource::descriptor()->field(i)->name();
          if (!kOutputOnly.contains(field)) effective.add_paths(field);
        }
      } else if (!FieldMaskUtil::GetFieldDescriptors(Resource::descriptor(), path, nullptr)) {
        v.Add("update_mask", absl::StrCat("unknown field '", path, "' of ", K::kNoun));
      } else if (kOutputOnly.contains(path.substr(0, path.find('.')))) {
        v.Add("update_mask", absl::StrCat("'", path, "' cannot be changed"));
      } else {
        effective.add_paths(path);
      }
    }
    if (!v.empty()) return std::move(v).ToStatus("invalid update_mask");
    return effective;
  }

  static absl::Status Update(CatalogStore& store, const RequestContext& rc, absl::Time now,
                             const Resource& input, const FieldMask& mask,
                             absl::string_view request_id, const google::protobuf::Message& request,
                             Resource* out, google::protobuf::Message* response,
                             absl::string_view method) {
    absl::StatusOr<std::string> id = IdFrom(rc, input.name(), absl::StrCat(K::kField, ".name"));
    if (!id.ok()) return id.status();
    absl::StatusOr<FieldMask> effective = CheckMask(mask);
    if (!effective.ok()) return effective.status();
    Violations v;
    CheckRequestId(v, request_id);
    if (!v.empty()) return std::move(v).ToStatus("invalid request");
    return store.InTransaction(rc, [&](CatalogTransaction& tx) {
      return RunIdempotent(tx, rc, request_id, method, request, response, [&]() -> absl::Status {
        int64_t version = 0;
        absl::StatusOr<Resource> current = LoadToChange(tx, rc, *id, &version);
        if (!current.ok()) return current.status();
        if (absl::Status s = CheckEtag(input.name(), input.etag(), current->etag()); !s.ok()) {
          return s;
        }
        Resource merged = *current;
        FieldMaskUtil::MergeOptions options;
        options.set_replace_message_fields(true);
        options.set_replace_repeated_fields(true);
        FieldMaskUtil::MergeMessageTo(input, *effective, options, &merged);
        Violations invalid;
        K::Validate(merged, K::kField, invalid);
        if (absl::Status s = K::CheckReferences(tx, rc, merged, K::kField, invalid); !s.ok()) {
          return s;
        }
        if (!invalid.empty())
          return std::move(invalid).ToStatus(absl::StrCat("invalid ", K::kNoun));
        if (absl::Status s = CheckExternalIdFree(tx, rc, merged, *id); !s.ok()) return s;
        merged.set_etag(EtagOf(version + 1));
        *merged.mutable_update_time() = ToProto(now);
        absl::Time created = FromProto(current->create_time());
        if (absl::Status s = tx.Update(K::kKind, ToRecord(*id, version + 1, merged, created, now));
            !s.ok()) {
          return s;
        }
        *out = std::move(merged);
        return absl::OkStatus();
      });
    });
  }

  static absl::Status Delete(CatalogStore& store, const RequestContext& rc, const std::string& name,
                             const std::string& etag, absl::string_view request_id,
                             const google::protobuf::Message& request,
                             google::protobuf::Message* response, absl::string_view method) {
    absl::StatusOr<std::string> id = IdFrom(rc, name, "name");
    if (!id.ok()) return id.status();
    Violations v;
    CheckRequestId(v, request_id);
    if (!v.empty()) return std::move(v).ToStatus("invalid request");
    return store.InTransaction(rc, [&](CatalogTransaction& tx) {
      return RunIdempotent(tx, rc, request_id, method, request, response, [&]() -> absl::Status {
        absl::StatusOr<Resource> current = LoadToChange(tx, rc, *id);
        if (!current.ok()) return current.status();
        if (absl::Status s = CheckEtag(name, etag, current->etag()); !s.ok()) return s;
        if (absl::Status s = K::CheckUnused(tx, rc, name); !s.ok()) return s;
        return tx.Delete(K::kKind, *id);
      });
    });
  }
};

using Orgs = Methods<CustomerOrganizationKind>;
using Services = Methods<ItServiceKind>;

// --- ImportCatalog: rows matched to stored resources by external_id ----------------------

// How often an import is planned and written before a resource changing under it each time
// is the caller's to retry.
constexpr int kImportAttempts = 3;

// One import inside its transaction: the stored resources of both kinds by external_id, what
// each row would do to them, and the writes that does.
class CatalogImport final {
 public:
  CatalogImport(CatalogTransaction& tx, const RequestContext& rc, absl::Time now)
      : tx_(tx), rc_(rc), now_(now) {}

  // Plans every row into `resp` (results, counts, errors) and, when no row has an error and
  // this is not a dry run, writes them. `parsed` errors come first into resp.
  absl::Status Run(const ParsedImport& parsed, bool dry_run, catalog::ImportCatalogResponse* resp) {
    // Both quotas are checked on what is loaded here, and hold until the rows are written.
    for (CatalogKind kind : {CatalogKind::kCustomerOrganization, CatalogKind::kService}) {
      if (absl::Status s = tx_.LockQuota(kind); !s.ok()) return s;
    }
    // The stored organisations the services may name stay until the rows are written.
    if (absl::StatusOr<bool> kept = tx_.Refer(CatalogKind::kCustomerOrganization, ""); !kept.ok()) {
      return kept.status();
    }
    if (absl::Status s = Load<CustomerOrganizationKind>(orgs_); !s.ok()) return s;
    if (absl::Status s = Load<ItServiceKind>(services_); !s.ok()) return s;
    for (const auto& [external_id, stored] : orgs_.by_external_id) {
      org_names_[external_id] = Orgs::NameOf(rc_, stored.id);
    }
    *resp->mutable_errors() = {parsed.errors.begin(), parsed.errors.end()};
    for (const ImportRow& row : parsed.rows) {  // organisations first: services name them
      if (!row.IsService()) {
        Plan<CustomerOrganizationKind>(row, orgs_, resp,
                                       [&](catalog::CustomerOrganization& r) { ApplyRow(row, r); });
      }
    }
    for (const ImportRow& row : parsed.rows) {
      if (!row.IsService()) continue;
      std::optional<std::vector<std::string>> names =
          ResolveOrganizations(row, parsed.invalid_organization_ids, resp);
      if (!names.has_value()) continue;
      Plan<ItServiceKind>(row, services_, resp,
                          [&](catalog::ItService& r) { ApplyRow(row, *names, r); });
    }
    if (dry_run) {  // a new resource's id is chosen when it is written
      for (catalog::ImportRowResult& result : *resp->mutable_results()) {
        if (result.action() == catalog::IMPORT_ACTION_CREATE) result.clear_resource();
      }
    }
    SortByRow(*resp->mutable_results());
    SortByRow(*resp->mutable_errors());
    if (absl::Status s = CheckQuota(orgs_, CustomerOrganizationKind::kCollection); !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckQuota(services_, ItServiceKind::kCollection); !s.ok()) return s;
    if (dry_run || resp->errors_size() > 0) return absl::OkStatus();
    for (const Write& w : writes_) {
      absl::Status s = w.insert ? tx_.Insert(w.kind, w.record) : tx_.Update(w.kind, w.record);
      if (!s.ok()) return s;
    }
    resp->set_applied(true);
    return absl::OkStatus();
  }

 private:
  template <typename K>
  struct Stored {
    std::string id;
    int64_t version = 0;
    typename K::Resource resource;
  };
  template <typename K>
  struct Kind {
    std::map<std::string, Stored<K>> by_external_id;
    size_t stored = 0;
    size_t created = 0;
  };
  struct Write {
    CatalogKind kind;
    CatalogRecord record;
    bool insert = false;
  };

  template <typename K>
  absl::Status Load(Kind<K>& kind) {
    absl::StatusOr<std::vector<CatalogRecord>> records = tx_.List(K::kKind);
    if (!records.ok()) return records.status();
    kind.stored = records->size();
    for (CatalogRecord& record : *records) {
      if (!record.external_id.has_value()) continue;
      Stored<K>& stored = kind.by_external_id[*record.external_id];
      stored.id = std::move(record.id);
      stored.version = record.version;
      if (!stored.resource.ParseFromString(record.body)) {
        return absl::DataLossError(
            absl::StrCat("stored ", K::kNoun, " ", stored.id, " is unreadable"));
      }
    }
    return absl::OkStatus();
  }

  // The row's resource: the stored one with the row's fields, or a new one; counted, and
  // queued for writing unless it is unchanged.
  template <typename K, typename Apply>
  void Plan(const ImportRow& row, Kind<K>& kind, catalog::ImportCatalogResponse* resp,
            const Apply& apply) {
    constexpr bool kIsOrg = K::kKind == CatalogKind::kCustomerOrganization;
    catalog::ImportRowResult& result = *resp->add_results();
    result.set_row(row.row);
    result.set_external_id(row.data.external_id());
    auto stored = kind.by_external_id.find(row.data.external_id());
    if (stored == kind.by_external_id.end()) {
      const std::string id = NewId(K::kIdPrefix);
      typename K::Resource created;
      apply(created);
      created.set_name(Methods<K>::NameOf(rc_, id));
      *created.mutable_create_time() = ToProto(now_);
      *created.mutable_update_time() = ToProto(now_);
      created.set_etag(EtagOf(1));
      if constexpr (kIsOrg) org_names_[row.data.external_id()] = created.name();
      writes_.push_back({K::kKind, Methods<K>::ToRecord(id, 1, created, now_, now_), true});
      ++kind.created;
      result.set_action(catalog::IMPORT_ACTION_CREATE);
      result.set_resource(created.name());
      kIsOrg ? resp->set_created_customer_organization_count(
                   resp->created_customer_organization_count() + 1)
             : resp->set_created_service_count(resp->created_service_count() + 1);
      return;
    }
    const typename K::Resource& current = stored->second.resource;
    result.set_resource(current.name());
    typename K::Resource changed = current;
    apply(changed);
    if (google::protobuf::util::MessageDifferencer::Equals(changed, current)) {
      result.set_action(catalog::IMPORT_ACTION_UNCHANGED);
      resp->set_unchanged_count(resp->unchanged_count() + 1);
      return;
    }
    const int64_t version = stored->second.version + 1;
    changed.set_etag(EtagOf(version));
    *changed.mutable_update_time() = ToProto(now_);
    writes_.push_back({K::kKind,
                       Methods<K>::ToRecord(stored->second.id, version, changed,
                                            FromProto(current.create_time()), now_),
                       false});
    result.set_action(catalog::IMPORT_ACTION_UPDATE);
    kIsOrg ? resp->set_updated_customer_organization_count(
                 resp->updated_customer_organization_count() + 1)
           : resp->set_updated_service_count(resp->updated_service_count() + 1);
  }

  // The resource names of a service row's customer_organization_external_ids, or nullopt
  // after adding an error for each one that names no organisation (stored or imported).
  std::optional<std::vector<std::string>> ResolveOrganizations(
      const ImportRow& row, const std::set<std::string>& invalid_rows,
      catalog::ImportCatalogResponse* resp) {
    std::vector<std::string> names;
    std::set<std::string> seen;
    bool ok = true;
    for (const std::string& external_id : row.data.customer_organization_external_ids()) {
      auto found = org_names_.find(external_id);
      std::string problem;
      if (!seen.insert(external_id).second) {
        problem = absl::StrCat("\"", external_id, "\" is listed twice");
      } else if (found == org_names_.end() && !invalid_rows.contains(external_id)) {
        problem = absl::StrCat("no customer organisation has external_id \"", external_id,
                               "\": add a customer_organization row for it, or import it first");
      } else if (found != org_names_.end()) {
        names.push_back(found->second);
        continue;
      }
      ok = false;
      if (problem.empty()) continue;  // that organisation's own row has the error
      catalog::ImportRowError& e = *resp->add_errors();
      e.set_row(row.row);
      e.set_external_id(row.data.external_id());
      e.set_field("customer_organization_external_ids");
      e.set_message(std::move(problem));
      e.set_reason(found == org_names_.end() ? "RESOURCE_NOT_FOUND" : "FIELD_INVALID");
    }
    if (!ok) return std::nullopt;
    return names;
  }

  template <typename K>
  absl::Status CheckQuota(const Kind<K>& kind, absl::string_view collection) {
    if (kind.stored + kind.created <= static_cast<size_t>(kMaxResourcesPerKind)) {
      return absl::OkStatus();
    }
    return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                 absl::StrCat("the import would make ", kind.stored + kind.created, " ", collection,
                              "; a tenant holds at most ", kMaxResourcesPerKind));
  }

  template <typename T>
  static void SortByRow(google::protobuf::RepeatedPtrField<T>& list) {
    std::stable_sort(list.begin(), list.end(),
                     [](const T& a, const T& b) { return a.row() < b.row(); });
  }

  CatalogTransaction& tx_;
  const RequestContext& rc_;
  const absl::Time now_;
  Kind<CustomerOrganizationKind> orgs_;
  Kind<ItServiceKind> services_;
  std::map<std::string, std::string> org_names_;  // external_id -> resource name
  std::vector<Write> writes_;
};

ListRequestFields FieldsOf(const auto& req) {
  return {req.page_size(), req.page_token(), req.filter(), req.order_by()};
}

}  // namespace

absl::Status CatalogCore::CreateCustomerOrganization(
    const RequestContext& rc, const catalog::CreateCustomerOrganizationRequest& req,
    catalog::CreateCustomerOrganizationResponse* resp) {
  return Orgs::Create(store_, rc, clock_(), req.parent(), req.customer_organization(),
                      req.customer_organization_id(), req.request_id(), req,
                      resp->mutable_customer_organization(), resp, "CreateCustomerOrganization");
}

absl::Status CatalogCore::GetCustomerOrganization(
    const RequestContext& rc, const catalog::GetCustomerOrganizationRequest& req,
    catalog::GetCustomerOrganizationResponse* resp) {
  return Orgs::Get(store_, rc, req.name(), resp->mutable_customer_organization());
}

absl::Status CatalogCore::ListCustomerOrganizations(
    const RequestContext& rc, const catalog::ListCustomerOrganizationsRequest& req,
    catalog::ListCustomerOrganizationsResponse* resp) {
  return Orgs::List(store_, rc, req.parent(), FieldsOf(req), resp,
                    resp->mutable_customer_organizations());
}

absl::Status CatalogCore::UpdateCustomerOrganization(
    const RequestContext& rc, const catalog::UpdateCustomerOrganizationRequest& req,
    catalog::UpdateCustomerOrganizationResponse* resp) {
  return Orgs::Update(store_, rc, clock_(), req.customer_organization(), req.update_mask(),
                      req.request_id(), req, resp->mutable_customer_organization(), resp,
                      "UpdateCustomerOrganization");
}

absl::Status CatalogCore::DeleteCustomerOrganization(
    const RequestContext& rc, const catalog::DeleteCustomerOrganizationRequest& req,
    catalog::DeleteCustomerOrganizationResponse* resp) {
  return Orgs::Delete(store_, rc, req.name(), req.etag(), req.request_id(), req, resp,
                      "DeleteCustomerOrganization");
}

absl::Status CatalogCore::CreateItService(const RequestContext& rc,
                                          const catalog::CreateItServiceRequest& req,
                                          catalog::CreateItServiceResponse* resp) {
  return Services::Create(store_, rc, clock_(), req.parent(), req.service(), req.service_id(),
                          req.request_id(), req, resp->mutable_service(), resp, "CreateItService");
}

absl::Status CatalogCore::GetItService(const RequestContext& rc,
                                       const catalog::GetItServiceRequest& req,
                                       catalog::GetItServiceResponse* resp) {
  return Services::Get(store_, rc, req.name(), resp->mutable_service());
}

absl::Status CatalogCore::ListItServices(const RequestContext& rc,
                                         const catalog::ListItServicesRequest& req,
                                         catalog::ListItServicesResponse* resp) {
  return Services::List(store_, rc, req.parent(), FieldsOf(req), resp, resp->mutable_services());
}

absl::Status CatalogCore::UpdateItService(const RequestContext& rc,
                                          const catalog::UpdateItServiceRequest& req,
                                          catalog::UpdateItServiceResponse* resp) {
  return Services::Update(store_, rc, clock_(), req.service(), req.update_mask(), req.request_id(),
                          req, resp->mutable_service(), resp, "UpdateItService");
}

absl::Status CatalogCore::DeleteItService(const RequestContext& rc,
                                          const catalog::DeleteItServiceRequest& req,
                                          catalog::DeleteItServiceResponse* resp) {
  return Services::Delete(store_, rc, req.name(), req.etag(), req.request_id(), req, resp,
                          "DeleteItService");
}

absl::Status CatalogCore::ImportCatalog(const RequestContext& rc,
                                        const catalog::ImportCatalogRequest& req,
                                        catalog::ImportCatalogResponse* resp) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  CheckText(v, "source_system", req.source_system(), 100, false);
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid import request");
  absl::StatusOr<ParsedImport> parsed = ParseImportPayload(req.format(), req.payload());
  if (!parsed.ok()) return parsed.status();

  // A retry is recognised by the payload's digest: the reply kept for it need not hold 4 MiB.
  catalog::ImportCatalogRequest retry_key = req;
  retry_key.set_payload(Sha256Digest(req.payload()));
  // The import reads the stored resources without holding them: one changed or deleted
  // meanwhile by another request makes its write fail ChangedMeanwhile, and the import is
  // planned again from what is stored then.
  bool applied_now = false;
  absl::Status status;
  for (int attempt = 1; attempt <= kImportAttempts; ++attempt) {
    const absl::Time now = clock_();
    status = store_.InTransaction(rc, [&](CatalogTransaction& tx) {
      return RunIdempotent(
          tx, rc, req.request_id(), "ImportCatalog", retry_key, resp, [&]() -> absl::Status {
            resp->Clear();
            absl::Status s = CatalogImport(tx, rc, now).Run(*parsed, req.dry_run(), resp);
            applied_now = s.ok() && resp->applied();
            return s;
          });
    });
    if (!absl::IsAborted(status) || ReasonOf(status) != "STATE_CONFLICT") break;
    applied_now = false;
  }
  if (!status.ok() || !applied_now) return status;
  // The import is committed; a failed audit append must not turn it into an error the caller
  // would retry, so it is logged loudly instead.
  AuditEntry entry{
      .action = "catalog.imported",
      .resource = TenantName(rc),
      .detail = absl::StrCat(
          "source_system=", req.source_system().empty() ? "unknown" : req.source_system(),
          " created=", resp->created_customer_organization_count() + resp->created_service_count(),
          " updated=", resp->updated_customer_organization_count() + resp->updated_service_count(),
          " unchanged=", resp->unchanged_count())};
  if (absl::Status s = audit_.Record(rc, entry); !s.ok()) {
    LogError("audit append failed",
             {{"action", entry.action}, {"resource", entry.resource}, {"error", s.ToString()}});
  }
  return absl::OkStatus();
}

}  // namespace lagom::questionnaire
