#include "services/questionnaire/model/model_core.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "services/questionnaire/model/builtin_models.h"
#include "services/questionnaire/model/fake_model_store.h"
#include "services/questionnaire/model/model_json.h"
#include "services/questionnaire/model/validation.h"

namespace lagom::questionnaire {
namespace {

namespace api = ::lagom::questionnaire::v1;
using google::protobuf::util::MessageDifferencer;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Property;
using ::testing::SizeIs;
using ::testing::StartsWith;

class RecordingAudit final : public AuditSink {
 public:
  absl::Status Record(const RequestContext& rc, const AuditEntry& entry) override {
    entries.push_back({rc.tenant_id, entry.action, entry.resource});
    return absl::OkStatus();
  }
  std::vector<std::vector<std::string>> entries;
};

const api::ModelVersion& BuiltinVersion() { return BuiltinModels().front().versions.back(); }
const api::Model& BuiltinModel() { return BuiltinModels().front().model; }

class ModelCoreTest : public ::testing::Test {
 protected:
  RequestContext Tenant(const std::string& id) {
    RequestContext rc;
    rc.tenant_id = id;
    rc.principal.set_tenant_id(id);
    rc.principal.set_subject("tester");
    return rc;
  }

  api::Model CreateModel(const std::string& id) {
    api::CreateModelRequest req;
    req.set_parent("tenants/acme");
    req.set_model_id(id);
    (*req.mutable_model()->mutable_display_name()->mutable_translations())["en"] = "Our model";
    api::CreateModelResponse resp;
    EXPECT_TRUE(core_.CreateModel(a_, req, &resp).ok());
    return resp.model();
  }

  // A draft copied from the built-in model (valid content).
  api::ModelVersion CreateDraft(const std::string& model, const std::string& source = "") {
    api::CreateModelVersionRequest req;
    req.set_parent(model);
    req.mutable_model_version()->set_version_label("2025.1");
    req.set_source_version(source.empty() ? BuiltinVersion().name() : source);
    api::CreateModelVersionResponse resp;
    absl::Status s = core_.CreateModelVersion(a_, req, &resp);
    EXPECT_TRUE(s.ok()) << s;
    return resp.model_version();
  }

  absl::StatusOr<api::ModelVersion> Get(const RequestContext& rc, const std::string& name) {
    api::GetModelVersionRequest req;
    req.set_name(name);
    api::GetModelVersionResponse resp;
    absl::Status s = core_.GetModelVersion(rc, req, &resp);
    if (!s.ok()) return s;
    return resp.model_version();
  }

  absl::StatusOr<api::ModelVersion> Publish(const std::string& name) {
    api::PublishModelVersionRequest req;
    req.set_name(name);
    api::PublishModelVersionResponse resp;
    absl::Status s = core_.PublishModelVersion(a_, req, &resp);
    if (!s.ok()) return s;
    return resp.model_version();
  }

  absl::Status UpdateLabel(const std::string& name, const std::string& label) {
    api::UpdateModelVersionRequest req;
    req.mutable_model_version()->set_name(name);
    req.mutable_model_version()->set_version_label(label);
    req.mutable_update_mask()->add_paths("version_label");
    api::UpdateModelVersionResponse resp;
    return core_.UpdateModelVersion(a_, req, &resp);
  }

  FakeModelStore store_;
  RecordingAudit audit_;
  ModelCore core_{store_, audit_};
  RequestContext a_ = Tenant("acme");
  RequestContext b_ = Tenant("globex");
};

TEST_F(ModelCoreTest, DraftIsEditedPublishedAndDeprecated) {
  api::Model model = CreateModel("baseline");
  EXPECT_EQ(model.name(), "tenants/acme/models/baseline");
  api::ModelVersion draft = CreateDraft(model.name());
  EXPECT_EQ(draft.name(), "tenants/acme/models/baseline/versions/1");
  EXPECT_EQ(draft.state(), api::MODEL_VERSION_STATE_DRAFT);
  EXPECT_EQ(draft.source_version(), BuiltinVersion().name());
  EXPECT_TRUE(MessageDifferencer::Equals(draft.content(), BuiltinVersion().content()));
  EXPECT_TRUE(draft.content_hash().empty());

  ASSERT_TRUE(UpdateLabel(draft.name(), "2025.2").ok());
  EXPECT_EQ(Get(a_, draft.name())->version_label(), "2025.2");

  api::ValidateModelVersionRequest validate;
  validate.set_name(draft.name());
  api::ValidateModelVersionResponse validated;
  ASSERT_TRUE(core_.ValidateModelVersion(a_, validate, &validated).ok());
  EXPECT_TRUE(validated.valid());
  EXPECT_THAT(validated.violations(), IsEmpty());

  absl::StatusOr<api::ModelVersion> published = Publish(draft.name());
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(published->state(), api::MODEL_VERSION_STATE_PUBLISHED);
  EXPECT_EQ(published->content_hash(), ContentHash(published->content()));
  EXPECT_TRUE(published->has_publish_time());
  // The stored bytes are the published message, and a read returns exactly them.
  EXPECT_EQ(store_.VersionBody("acme", "baseline", "1"), DeterministicBytes(*published));
  EXPECT_EQ(DeterministicBytes(*Get(a_, draft.name())), DeterministicBytes(*published));

  api::GetModelRequest get_model;
  get_model.set_name(model.name());
  api::GetModelResponse got_model;
  ASSERT_TRUE(core_.GetModel(a_, get_model, &got_model).ok());
  EXPECT_EQ(got_model.model().latest_published_version(), draft.name());

  api::DeprecateModelVersionRequest deprecate;
  deprecate.set_name(draft.name());
  api::DeprecateModelVersionResponse deprecated;
  ASSERT_TRUE(core_.DeprecateModelVersion(a_, deprecate, &deprecated).ok());
  EXPECT_EQ(deprecated.model_version().state(), api::MODEL_VERSION_STATE_DEPRECATED);
  EXPECT_EQ(Get(a_, draft.name())->content_hash(), published->content_hash());
  ASSERT_TRUE(core_.GetModel(a_, get_model, &got_model).ok());
  EXPECT_EQ(got_model.model().latest_published_version(), "");

  EXPECT_THAT(audit_.entries,
              ::testing::ElementsAre(
                  std::vector<std::string>{"acme", "model_version.published", draft.name()},
                  std::vector<std::string>{"acme", "model_version.deprecated", draft.name()}));
}

TEST_F(ModelCoreTest, ListsVersionsNewestFirstWithFiltersAndPages) {
  api::Model model = CreateModel("baseline");
  api::ModelVersion v1 = CreateDraft(model.name());
  api::ModelVersion v2 = CreateDraft(model.name(), v1.name());
  api::ModelVersion v3 = CreateDraft(model.name());
  ASSERT_TRUE(Publish(v2.name()).ok());

  api::ListModelVersionsRequest req;
  req.set_parent(model.name());
  req.set_page_size(2);
  api::ListModelVersionsResponse page1;
  ASSERT_TRUE(core_.ListModelVersions(a_, req, &page1).ok());
  ASSERT_THAT(page1.model_versions(), SizeIs(2));
  EXPECT_EQ(page1.model_versions(0).name(), v3.name());
  EXPECT_FALSE(page1.model_versions(0).has_content());  // content only on request
  req.set_page_token(page1.next_page_token());
  api::ListModelVersionsResponse page2;
  ASSERT_TRUE(core_.ListModelVersions(a_, req, &page2).ok());
  ASSERT_THAT(page2.model_versions(), SizeIs(1));
  EXPECT_EQ(page2.model_versions(0).name(), v1.name());
  EXPECT_TRUE(page2.next_page_token().empty());

  api::ListModelVersionsRequest published;
  published.set_parent(model.name());
  published.set_filter("state = PUBLISHED");
  api::ListModelVersionsResponse only;
  ASSERT_TRUE(core_.ListModelVersions(a_, published, &only).ok());
  ASSERT_THAT(only.model_versions(), SizeIs(1));
  EXPECT_EQ(only.model_versions(0).name(), v2.name());
  published.set_filter("state != DRAFT AND content_hash = \"" + BuiltinVersion().content_hash() +
                       "\"");
  api::ListModelVersionsResponse by_hash;
  ASSERT_TRUE(core_.ListModelVersions(a_, published, &by_hash).ok());
  EXPECT_THAT(by_hash.model_versions(), SizeIs(1));

  published.set_filter("state = FINAL");
  absl::Status bad = core_.ListModelVersions(a_, published, &only);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(bad), Contains(Field(&FieldViolation::field, "filter")));
}

TEST_F(ModelCoreTest, PublishedVersionRefusesEveryChange) {
  api::Model model = CreateModel("baseline");
  api::ModelVersion draft = CreateDraft(model.name());
  ASSERT_TRUE(Publish(draft.name()).ok());
  ASSERT_EQ(draft.name(), "tenants/acme/models/baseline/versions/1");
  const std::string before = store_.VersionBody("acme", "baseline", "1");
  ASSERT_FALSE(before.empty()) << "the version should be stored";

  absl::Status update = UpdateLabel(draft.name(), "changed");
  EXPECT_EQ(update.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(update), "STATE_CONFLICT");
  EXPECT_THAT(update.message(), HasSubstr("is PUBLISHED"));

  api::DeleteModelVersionRequest del;
  del.set_name(draft.name());
  api::DeleteModelVersionResponse deleted;
  absl::Status remove = core_.DeleteModelVersion(a_, del, &deleted);
  EXPECT_EQ(remove.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(remove.message(), HasSubstr("PUBLISHED"));

  absl::Status again = Publish(draft.name()).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);

  api::DeleteModelRequest del_model;
  del_model.set_name(model.name());
  api::DeleteModelResponse deleted_model;
  absl::Status in_use = core_.DeleteModel(a_, del_model, &deleted_model);
  EXPECT_EQ(in_use.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(in_use), "RESOURCE_IN_USE");

  EXPECT_EQ(store_.VersionBody("acme", "baseline", "1"), before);
}

TEST_F(ModelCoreTest, PublishingAnInvalidDraftReportsEveryViolationAndChangesNothing) {
  api::Model model = CreateModel("baseline");
  api::ModelVersion draft = CreateDraft(model.name());
  api::UpdateModelVersionRequest update;
  *update.mutable_model_version() = draft;
  api::ModelContent& content = *update.mutable_model_version()->mutable_content();
  content.mutable_areas(0)->mutable_items(0)->set_weight(-2);
  content.mutable_areas(1)->clear_items();
  update.mutable_update_mask()->add_paths("content");
  api::UpdateModelVersionResponse updated;
  ASSERT_TRUE(core_.UpdateModelVersion(a_, update, &updated).ok());  // drafts may be invalid
  ASSERT_EQ(draft.name(), "tenants/acme/models/baseline/versions/1");
  const std::string before = store_.VersionBody("acme", "baseline", "1");
  ASSERT_FALSE(before.empty()) << "the version should be stored";

  absl::Status s = Publish(draft.name()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(s), "VALIDATION_FAILED");
  EXPECT_THAT(ViolationsOf(s),
              AllOf(Contains(Field(&FieldViolation::field, "content.areas[0].items[0].weight")),
                    Contains(Field(&FieldViolation::field, "content.areas[1].items"))));
  EXPECT_EQ(store_.VersionBody("acme", "baseline", "1"), before);
  EXPECT_EQ(Get(a_, draft.name())->state(), api::MODEL_VERSION_STATE_DRAFT);
  EXPECT_THAT(audit_.entries, IsEmpty());

  api::ValidateModelVersionRequest validate;
  validate.set_name(draft.name());
  api::ValidateModelVersionResponse validated;
  ASSERT_TRUE(core_.ValidateModelVersion(a_, validate, &validated).ok());
  EXPECT_FALSE(validated.valid());
  EXPECT_THAT(validated.violations(),
              Contains(Property(&api::ModelViolation::field, "content.areas[0].items[0].weight")));
}

TEST_F(ModelCoreTest, BuiltinModelIsReadableByEveryTenantAndChangeableByNone) {
  for (const RequestContext& rc : {a_, b_}) {
    api::GetModelRequest get;
    get.set_name(BuiltinModel().name());
    api::GetModelResponse got;
    ASSERT_TRUE(core_.GetModel(rc, get, &got).ok());
    EXPECT_TRUE(got.model().builtin());
    absl::StatusOr<api::ModelVersion> version = Get(rc, BuiltinVersion().name());
    ASSERT_TRUE(version.ok()) << version.status();
    EXPECT_EQ(version->state(), api::MODEL_VERSION_STATE_PUBLISHED);
    EXPECT_EQ(version->content_hash(), ContentHash(version->content()));

    api::ListModelVersionsRequest list;
    list.set_parent(BuiltinModel().name());
    api::ListModelVersionsResponse listed;
    ASSERT_TRUE(core_.ListModelVersions(rc, list, &listed).ok());
    EXPECT_THAT(listed.model_versions(), SizeIs(BuiltinModels().front().versions.size()));

    api::ListModelsRequest models;
    models.set_parent("tenants/" + rc.tenant_id);
    models.set_include_builtin(true);
    models.set_filter("builtin = true");
    api::ListModelsResponse all;
    ASSERT_TRUE(core_.ListModels(rc, models, &all).ok());
    EXPECT_THAT(all.models(), Contains(Property(&api::Model::name, BuiltinModel().name())));
  }

  api::UpdateModelRequest update;
  *update.mutable_model() = BuiltinModel();
  update.mutable_update_mask()->add_paths("display_name");
  api::UpdateModelResponse updated;
  absl::Status s = core_.UpdateModel(a_, update, &updated);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("built-in"));

  api::CreateModelVersionRequest create;
  create.set_parent(BuiltinModel().name());
  api::CreateModelVersionResponse created;
  EXPECT_EQ(core_.CreateModelVersion(a_, create, &created).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(UpdateLabel(BuiltinVersion().name(), "mine").code(),
            absl::StatusCode::kPermissionDenied);
  api::DeprecateModelVersionRequest deprecate;
  deprecate.set_name(BuiltinVersion().name());
  api::DeprecateModelVersionResponse deprecated;
  EXPECT_EQ(core_.DeprecateModelVersion(a_, deprecate, &deprecated).code(),
            absl::StatusCode::kPermissionDenied);
  api::DeleteModelRequest del;
  del.set_name(BuiltinModel().name());
  api::DeleteModelResponse deleted;
  EXPECT_EQ(core_.DeleteModel(a_, del, &deleted).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(store_.ModelCount("acme"), 0u);
}

TEST_F(ModelCoreTest, ExportOfTheBuiltinModelImportsToIdenticalContentAndHash) {
  api::ExportModelVersionRequest exp;
  exp.set_name(BuiltinVersion().name());
  api::ExportModelVersionResponse exported;
  ASSERT_TRUE(core_.ExportModelVersion(a_, exp, &exported).ok());
  EXPECT_EQ(exported.content_type(), "application/json");
  api::ExportModelVersionResponse again;
  ASSERT_TRUE(core_.ExportModelVersion(b_, exp, &again).ok());
  EXPECT_EQ(again.json(), exported.json());  // deterministic

  api::ImportModelRequest imp;
  imp.set_parent("tenants/acme");
  imp.set_model_id("imported");
  imp.set_json(exported.json());
  api::ImportModelResponse imported;
  absl::Status s = core_.ImportModel(a_, imp, &imported);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(imported.model().name(), "tenants/acme/models/imported");
  EXPECT_TRUE(
      MessageDifferencer::Equals(imported.model().display_name(), BuiltinModel().display_name()));
  EXPECT_TRUE(
      MessageDifferencer::Equals(imported.model_version().content(), BuiltinVersion().content()));
  absl::StatusOr<api::ModelVersion> published = Publish(imported.model_version().name());
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(published->content_hash(), BuiltinVersion().content_hash());

  // And the tenant's export is the same document (apart from what names the model).
  exp.set_name(published->name());
  api::ExportModelVersionResponse reexported;
  ASSERT_TRUE(core_.ExportModelVersion(a_, exp, &reexported).ok());
  api::ModelDocument d1, d2;
  ASSERT_THAT(ParseModelDocumentJson(exported.json(), &d1), IsEmpty());
  ASSERT_THAT(ParseModelDocumentJson(reexported.json(), &d2), IsEmpty());
  EXPECT_TRUE(MessageDifferencer::Equals(d1.model_version(), d2.model_version()));
}

TEST_F(ModelCoreTest, InvalidImportReportsEveryProblemAndStoresNothing) {
  api::ExportModelVersionRequest exp;
  exp.set_name(BuiltinVersion().name());
  api::ExportModelVersionResponse exported;
  ASSERT_TRUE(core_.ExportModelVersion(a_, exp, &exported).ok());
  api::ModelDocument doc;
  ASSERT_THAT(ParseModelDocumentJson(exported.json(), &doc), IsEmpty());
  doc.mutable_model_version()->mutable_content()->mutable_areas(0)->mutable_items(0)->set_weight(
      -1);
  doc.mutable_model()->clear_display_name();

  api::ImportModelRequest imp;
  imp.set_parent("tenants/acme");
  imp.set_json(ModelDocumentToJson(doc));
  api::ImportModelResponse resp;
  absl::Status s = core_.ImportModel(a_, imp, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(s),
              AllOf(Contains(Field(&FieldViolation::field,
                                   "model_version.content.areas[0].items[0].weight")),
                    Contains(Field(&FieldViolation::field, "model.display_name"))));
  EXPECT_EQ(store_.ModelCount("acme"), 0u);
  EXPECT_EQ(store_.VersionCount("acme"), 0u);

  // A JSON problem is named with its path, and nothing is stored either.
  imp.set_json(R"({"format": "lagom.model.v1", "modelVersion": {"content": {"areas": [
      {"id": "a", "items": [{"id": "x", "scale": "LIKERT7", "weigth": 1}]}]}}})");
  s = core_.ImportModel(a_, imp, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(s), "PAYLOAD_INVALID");
  EXPECT_THAT(ViolationsOf(s),
              Contains(FieldViolation{"model_version.content.areas[0].items[0].scale",
                                      "unknown scale \"LIKERT7\" (allowed: SCALE_MATURITY_0_5, "
                                      "SCALE_SAMM_4, SCALE_LIKERT_5, SCALE_YES_NO)"}));
  EXPECT_EQ(store_.ModelCount("acme"), 0u);

  // validate_only checks and stores nothing even when valid.
  imp.set_json(exported.json());
  imp.set_validate_only(true);
  ASSERT_TRUE(core_.ImportModel(a_, imp, &resp).ok());
  EXPECT_TRUE(resp.model_version().name().empty());
  EXPECT_EQ(store_.ModelCount("acme"), 0u);

  imp.set_json(std::string(kMaxModelDocumentBytes + 1, ' '));
  s = core_.ImportModel(a_, imp, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("4 MiB"));
}

TEST_F(ModelCoreTest, ManyViolationsFitInTheStatusAndSayHowManyMore) {
  std::string items;
  for (int i = 0; i < 200; ++i) absl::StrAppend(&items, i ? "," : "", R"({"scale": "LIKERT7"})");
  api::ImportModelRequest imp;
  imp.set_parent("tenants/acme");
  imp.set_json(
      absl::StrCat(R"({"modelVersion": {"content": {"areas": [{"items": [)", items, "]}]}}}"));
  api::ImportModelResponse resp;
  absl::Status s = core_.ImportModel(a_, imp, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  std::vector<FieldViolation> shown = ViolationsOf(s);
  size_t bytes = 0;
  for (const FieldViolation& f : shown) bytes += f.field.size() + f.description.size();
  EXPECT_LT(bytes, 7000u);  // gRPC clients refuse status details past 8 KiB by default
  ASSERT_GT(shown.size(), 10u);
  EXPECT_THAT(shown.back().description, HasSubstr("more violations"));
}

TEST_F(ModelCoreTest, AnotherTenantsModelsAreNotFound) {
  api::Model model = CreateModel("baseline");
  api::ModelVersion draft = CreateDraft(model.name());
  EXPECT_EQ(Get(b_, draft.name()).status().code(), absl::StatusCode::kNotFound);
  api::GetModelRequest get;
  get.set_name(model.name());
  api::GetModelResponse got;
  EXPECT_EQ(core_.GetModel(b_, get, &got).code(), absl::StatusCode::kNotFound);
  // A source version of another tenant is not found either, into a model globex has.
  api::CreateModelRequest own;
  own.set_parent("tenants/globex");
  own.set_model_id("x");
  (*own.mutable_model()->mutable_display_name()->mutable_translations())["en"] = "Theirs";
  api::CreateModelResponse made;
  ASSERT_TRUE(core_.CreateModel(b_, own, &made).ok());
  api::CreateModelVersionRequest create;
  create.set_parent("tenants/globex/models/x");
  create.set_source_version(draft.name());
  api::CreateModelVersionResponse created;
  absl::Status refused = core_.CreateModelVersion(b_, create, &created);
  EXPECT_EQ(refused.code(), absl::StatusCode::kNotFound) << refused;
  EXPECT_THAT(refused.message(), HasSubstr(draft.name()));
  EXPECT_EQ(store_.ModelCount("globex"), 1u);
  api::ListModelVersionsRequest versions;
  versions.set_parent("tenants/globex/models/x");
  api::ListModelVersionsResponse listed;
  ASSERT_TRUE(core_.ListModelVersions(b_, versions, &listed).ok());
  EXPECT_EQ(listed.model_versions_size(), 0);
}

// Publishing an older draft after a newer version does not make it the latest.
TEST_F(ModelCoreTest, TheLatestPublishedVersionIsTheNewestPublishedWhateverTheOrder) {
  api::Model model = CreateModel("ordered");
  api::ModelVersion older = CreateDraft(model.name());
  api::ModelVersion newer = CreateDraft(model.name());
  ASSERT_TRUE(Publish(newer.name()).ok());
  ASSERT_TRUE(Publish(older.name()).ok());
  api::GetModelRequest get;
  get.set_name(model.name());
  api::GetModelResponse got;
  ASSERT_TRUE(core_.GetModel(a_, get, &got).ok());
  EXPECT_EQ(got.model().latest_published_version(), newer.name());
}

TEST_F(ModelCoreTest, NamesAreTranslatedIntoAtMostAsManyLanguagesAsAModel) {
  api::CreateModelRequest req;
  req.set_parent("tenants/acme");
  req.set_model_id("babel");
  for (int i = 0; i < 5000; ++i) {
    (*req.mutable_model()->mutable_display_name()->mutable_translations())[absl::StrCat("x", i)] =
        "Name";
  }
  api::CreateModelResponse resp;
  absl::Status refused = core_.CreateModel(a_, req, &resp);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(ViolationsOf(refused).size(), 1u);
  EXPECT_EQ(ViolationsOf(refused)[0].field, "model.display_name.translations");
  EXPECT_EQ(store_.ModelCount("acme"), 0u);
}

TEST_F(ModelCoreTest, StaleEtagIsAbortedAndRetryWithRequestIdActsOnce) {
  api::Model model = CreateModel("baseline");
  api::ModelVersion draft = CreateDraft(model.name());
  ASSERT_TRUE(UpdateLabel(draft.name(), "new").ok());
  api::PublishModelVersionRequest publish;
  publish.set_name(draft.name());
  publish.set_etag(draft.etag());  // from before the update
  api::PublishModelVersionResponse published;
  absl::Status stale = core_.PublishModelVersion(a_, publish, &published);
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(stale), "ETAG_MISMATCH");

  api::CreateModelVersionRequest create;
  create.set_parent(model.name());
  create.set_request_id("5b0c2d7e-1111-2222-3333-444455556666");
  api::CreateModelVersionResponse first, second;
  ASSERT_TRUE(core_.CreateModelVersion(a_, create, &first).ok());
  ASSERT_TRUE(core_.CreateModelVersion(a_, create, &second).ok());
  EXPECT_EQ(first.model_version().name(), second.model_version().name());
  EXPECT_EQ(store_.VersionCount("acme"), 2u);
}

}  // namespace
}  // namespace lagom::questionnaire
