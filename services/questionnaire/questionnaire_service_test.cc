// QuestionnaireService over real gRPC on loopback and real PostgreSQL: what a client sees.
#include "services/questionnaire/questionnaire_service.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/server.h"
#include "common/status.h"
#include "common/testing/integration.h"
#include "common/testing/service_pool.h"
#include "common/testing/test_admitter.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/model/builtin_models.h"
#include "services/questionnaire/model/model_json.h"
#include "services/questionnaire/model/validation.h"
#include "services/questionnaire/store/pg_model_store.h"

namespace lagom::questionnaire {
namespace {

namespace api = ::lagom::questionnaire::v1;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class NoAudit final : public AuditSink {
 public:
  absl::Status Record(const RequestContext&, const AuditEntry&) override {
    return absl::OkStatus();
  }
};

const api::ModelVersion& BuiltinVersion() { return BuiltinModels().front().versions.back(); }

class QuestionnaireServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = lagom::testing::ServicePool("questionnaire", Migrations());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgModelStore>(*pool_);
    core_ = std::make_unique<ModelCore>(*store_, audit_);
    service_ = std::make_unique<QuestionnaireServiceImpl>(*core_, admitter_, executor_);
    auto server = Server::Start({.service_name = "questionnaire-test"}, {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = api::QuestionnaireService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& tenant) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata(lagom::testing::kTestTenantKey, tenant);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  std::string Parent(const std::string& tenant) { return "tenants/" + tenant; }

  int CountModels(const std::string& tenant) {
    api::ListModelsRequest req;
    req.set_parent(Parent(tenant));
    api::ListModelsResponse resp;
    EXPECT_TRUE(stub_->ListModels(As(tenant).get(), req, &resp).ok());
    return resp.models_size();
  }

  std::string BuiltinJson() {
    api::ExportModelVersionRequest req;
    req.set_name(BuiltinVersion().name());
    api::ExportModelVersionResponse resp;
    grpc::Status s = stub_->ExportModelVersion(As(tenant_a_).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.json();
  }

  lagom::testing::TestAdmitter admitter_;
  NoAudit audit_;
  Executor executor_{4};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgModelStore> store_;
  std::unique_ptr<ModelCore> core_;
  std::unique_ptr<QuestionnaireServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<api::QuestionnaireService::Stub> stub_;
  const std::string tenant_a_ = lagom::testing::UniqueTenantId("a");
  const std::string tenant_b_ = lagom::testing::UniqueTenantId("b");
};

TEST_F(QuestionnaireServiceTest, WholeLifecycleThroughPostgres) {
  api::CreateModelRequest create;
  create.set_parent(Parent(tenant_a_));
  create.set_model_id("baseline");
  (*create.mutable_model()->mutable_display_name()->mutable_translations())["en"] = "Baseline";
  api::CreateModelResponse model;
  ASSERT_TRUE(stub_->CreateModel(As(tenant_a_).get(), create, &model).ok());

  api::CreateModelVersionRequest version;
  version.set_parent(model.model().name());
  version.set_source_version(BuiltinVersion().name());
  api::CreateModelVersionResponse draft;
  ASSERT_TRUE(stub_->CreateModelVersion(As(tenant_a_).get(), version, &draft).ok());
  const std::string name = draft.model_version().name();
  EXPECT_EQ(name, model.model().name() + "/versions/1");

  api::UpdateModelVersionRequest update;
  update.mutable_model_version()->set_name(name);
  update.mutable_model_version()->set_version_label("2025.1");
  update.mutable_model_version()->set_etag(draft.model_version().etag());
  update.mutable_update_mask()->add_paths("version_label");
  api::UpdateModelVersionResponse updated;
  ASSERT_TRUE(stub_->UpdateModelVersion(As(tenant_a_).get(), update, &updated).ok());
  EXPECT_EQ(updated.model_version().version_label(), "2025.1");

  api::PublishModelVersionRequest publish;
  publish.set_name(name);
  publish.set_etag(updated.model_version().etag());
  api::PublishModelVersionResponse published;
  grpc::Status s = stub_->PublishModelVersion(As(tenant_a_).get(), publish, &published);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(published.model_version().content_hash(), BuiltinVersion().content_hash());

  // Read back: the very bytes that were published.
  api::GetModelVersionRequest get;
  get.set_name(name);
  api::GetModelVersionResponse got;
  ASSERT_TRUE(stub_->GetModelVersion(As(tenant_a_).get(), get, &got).ok());
  EXPECT_EQ(DeterministicBytes(got.model_version()), DeterministicBytes(published.model_version()));
  EXPECT_EQ(ContentHash(got.model_version().content()), published.model_version().content_hash());

  // Published refuses change.
  update.mutable_model_version()->clear_etag();
  s = stub_->UpdateModelVersion(As(tenant_a_).get(), update, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "STATE_CONFLICT");
  EXPECT_THAT(s.error_message(), HasSubstr("PUBLISHED"));

  api::DeprecateModelVersionRequest deprecate;
  deprecate.set_name(name);
  api::DeprecateModelVersionResponse deprecated;
  ASSERT_TRUE(stub_->DeprecateModelVersion(As(tenant_a_).get(), deprecate, &deprecated).ok());
  ASSERT_TRUE(stub_->GetModelVersion(As(tenant_a_).get(), get, &got).ok());
  EXPECT_EQ(got.model_version().state(), api::MODEL_VERSION_STATE_DEPRECATED);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      got.model_version().content(), published.model_version().content()));

  api::ListModelVersionsRequest list;
  list.set_parent(model.model().name());
  list.set_filter("state = DEPRECATED");
  api::ListModelVersionsResponse listed;
  ASSERT_TRUE(stub_->ListModelVersions(As(tenant_a_).get(), list, &listed).ok());
  ASSERT_EQ(listed.model_versions_size(), 1);
  EXPECT_EQ(listed.model_versions(0).name(), name);

  // Draft delete works, and the model with a deprecated version stays.
  ASSERT_TRUE(stub_->CreateModelVersion(As(tenant_a_).get(), version, &draft).ok());
  api::DeleteModelVersionRequest del;
  del.set_name(draft.model_version().name());
  api::DeleteModelVersionResponse deleted;
  ASSERT_TRUE(stub_->DeleteModelVersion(As(tenant_a_).get(), del, &deleted).ok());
  api::DeleteModelRequest del_model;
  del_model.set_name(model.model().name());
  api::DeleteModelResponse deleted_model;
  EXPECT_EQ(stub_->DeleteModel(As(tenant_a_).get(), del_model, &deleted_model).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(QuestionnaireServiceTest, BadModelIsRejectedWithTheFieldPathAndNothingIsStored) {
  api::ModelDocument doc;
  ASSERT_THAT(ParseModelDocumentJson(BuiltinJson(), &doc), IsEmpty());
  doc.mutable_model_version()->mutable_content()->mutable_areas(1)->mutable_items(0)->set_weight(
      -3);
  api::ImportModelRequest imp;
  imp.set_parent(Parent(tenant_a_));
  imp.set_json(ModelDocumentToJson(doc));
  api::ImportModelResponse resp;
  grpc::Status s = stub_->ImportModel(As(tenant_a_).get(), imp, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(s), "VALIDATION_FAILED");
  EXPECT_THAT(ViolationsOf(s), Contains(Field(&FieldViolation::field,
                                              "model_version.content.areas[1].items[0].weight")));
  EXPECT_EQ(CountModels(tenant_a_), 0);

  imp.set_json(R"({"modelVersion": {"content": {"areas": [{"items": [{"scale": "LIKERT7"}]}]}}})");
  s = stub_->ImportModel(As(tenant_a_).get(), imp, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationsOf(s), Contains(Field(&FieldViolation::field,
                                              "model_version.content.areas[0].items[0].scale")));
  EXPECT_EQ(CountModels(tenant_a_), 0);

  // The built-in model's export imports unchanged.
  imp.set_json(BuiltinJson());
  s = stub_->ImportModel(As(tenant_a_).get(), imp, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(ContentHash(resp.model_version().content()), BuiltinVersion().content_hash());
  EXPECT_EQ(CountModels(tenant_a_), 1);
}

TEST_F(QuestionnaireServiceTest, TenantACannotSeeTenantBsModels) {
  api::ImportModelRequest imp;
  imp.set_parent(Parent(tenant_b_));
  imp.set_model_id("secret");
  imp.set_json(BuiltinJson());
  api::ImportModelResponse imported;
  ASSERT_TRUE(stub_->ImportModel(As(tenant_b_).get(), imp, &imported).ok());

  api::GetModelRequest get_model;
  get_model.set_name(imported.model().name());
  api::GetModelResponse model;
  EXPECT_EQ(stub_->GetModel(As(tenant_a_).get(), get_model, &model).error_code(),
            grpc::StatusCode::NOT_FOUND);
  api::GetModelVersionRequest get;
  get.set_name(imported.model_version().name());
  api::GetModelVersionResponse version;
  EXPECT_EQ(stub_->GetModelVersion(As(tenant_a_).get(), get, &version).error_code(),
            grpc::StatusCode::NOT_FOUND);
  api::ExportModelVersionRequest exp;
  exp.set_name(imported.model_version().name());
  api::ExportModelVersionResponse exported;
  EXPECT_EQ(stub_->ExportModelVersion(As(tenant_a_).get(), exp, &exported).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Even with the tenant's own parent, the name of B's model is not found in A.
  api::GetModelRequest own;
  own.set_name(Parent(tenant_a_) + "/models/secret");
  EXPECT_EQ(stub_->GetModel(As(tenant_a_).get(), own, &model).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CountModels(tenant_a_), 0);
  EXPECT_EQ(CountModels(tenant_b_), 1);
}

TEST_F(QuestionnaireServiceTest, BuiltinModelIsServedToEveryTenant) {
  for (const std::string& tenant : {tenant_a_, tenant_b_}) {
    api::GetModelVersionRequest get;
    get.set_name(BuiltinVersion().name());
    api::GetModelVersionResponse got;
    ASSERT_TRUE(stub_->GetModelVersion(As(tenant).get(), get, &got).ok());
    EXPECT_EQ(got.model_version().content_hash(), BuiltinVersion().content_hash());
  }
}

}  // namespace
}  // namespace lagom::questionnaire
