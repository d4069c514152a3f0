#include "services/questionnaire/store/pg_model_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/testing/at_once.h"
#include "common/testing/integration.h"
#include "common/testing/service_pool.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/model/model_core.h"
#include "services/questionnaire/model/recording_audit_sink.h"

namespace lagom::questionnaire {
namespace {

using ::testing::ElementsAre;

class PgModelStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pool = lagom::testing::ServicePool("questionnaire", Migrations());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = pool->release();
  }
  static void TearDownTestSuite() { delete pool_; }

  absl::Status Run(const RequestContext& rc,
                   const std::function<absl::Status(ModelTransaction&)>& fn) {
    PgModelStore store(*pool_);
    return store.InTransaction(rc, fn);
  }

  static ModelRecord Model(std::string id) {
    return {std::move(id), 1, 1, std::string("model\0body\xff", 11)};
  }
  static ModelVersionRecord Version(std::string id, int64_t seq, std::string state = "DRAFT") {
    ModelVersionRecord r;
    r.model_id = "m";
    r.id = std::move(id);
    r.seq = seq;
    r.version = 1;
    r.state = std::move(state);
    r.content_hash = r.state == "DRAFT" ? "" : "sha256:00";
    r.body = std::string("version\0body\x01", 13) + r.id;
    return r;
  }

  static PgPool* pool_;
  RequestContext a_{.tenant_id = lagom::testing::UniqueTenantId("a")};
  RequestContext b_{.tenant_id = lagom::testing::UniqueTenantId("b")};
};

PgPool* PgModelStoreTest::pool_ = nullptr;

TEST_F(PgModelStoreTest, RecordsRoundTripExactlyNewestVersionFirst) {
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                if (absl::Status s = tx.InsertModel(Model("m")); !s.ok()) return s;
                if (absl::Status s = tx.InsertVersion(Version("1", 1)); !s.ok()) return s;
                return tx.InsertVersion(Version("2", 2, "PUBLISHED"));
              }).ok());
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                EXPECT_EQ((*tx.GetModel("m"))->body, Model("m").body);
                auto v = tx.GetVersion("m", "2");
                EXPECT_TRUE(v.ok() && v->has_value());
                EXPECT_EQ((*v)->body, Version("2", 2, "PUBLISHED").body);
                EXPECT_EQ((*v)->state, "PUBLISHED");
                absl::StatusOr<std::vector<ModelVersionRecord>> listed = tx.ListVersions("m");
                if (!listed.ok()) return listed.status();
                std::vector<std::string> ids;
                for (const ModelVersionRecord& r : *listed) ids.push_back(r.id);
                EXPECT_THAT(ids, ElementsAre("2", "1"));
                return absl::OkStatus();
              }).ok());
}

TEST_F(PgModelStoreTest, UpdatesAreConditionalOnTheVersionRead) {
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                if (absl::Status s = tx.InsertModel(Model("m")); !s.ok()) return s;
                return tx.InsertVersion(Version("1", 1));
              }).ok());
  ModelVersionRecord next = Version("1", 1);
  next.version = 2;
  EXPECT_TRUE(absl::IsAborted(
      Run(a_, [&](ModelTransaction& tx) { return tx.UpdateVersion(next, /*expected=*/5); })));
  EXPECT_TRUE(Run(a_, [&](ModelTransaction& tx) { return tx.UpdateVersion(next, 1); }).ok());
  ModelVersionRecord missing = Version("9", 9);
  EXPECT_TRUE(absl::IsNotFound(
      Run(a_, [&](ModelTransaction& tx) { return tx.UpdateVersion(missing, 1); })));
}

TEST_F(PgModelStoreTest, PublishedRowsAreFrozenInTheDatabaseToo) {
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                if (absl::Status s = tx.InsertModel(Model("m")); !s.ok()) return s;
                return tx.InsertVersion(Version("1", 1, "PUBLISHED"));
              }).ok());
  ModelVersionRecord rehashed = Version("1", 1, "PUBLISHED");
  rehashed.version = 2;
  rehashed.content_hash = "sha256:ff";
  EXPECT_FALSE(Run(a_, [&](ModelTransaction& tx) { return tx.UpdateVersion(rehashed, 1); }).ok());
  EXPECT_FALSE(Run(a_, [](ModelTransaction& tx) { return tx.DeleteVersion("m", "1"); }).ok());
  ModelVersionRecord deprecated = Version("1", 1, "DEPRECATED");
  deprecated.version = 2;
  EXPECT_TRUE(Run(a_, [&](ModelTransaction& tx) { return tx.UpdateVersion(deprecated, 1); }).ok());
}

TEST_F(PgModelStoreTest, ModelsCreatedAtOnceStopExactlyAtTheQuota) {
  constexpr int kRoom = 10;
  constexpr int kRacers = 2 * kRoom;
  // A connection for each racer.
  auto pool = lagom::testing::ServicePool("questionnaire", Migrations(), kRacers);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgModelStore store(**pool);
  RecordingAuditSink audit;
  ModelCore core(store, audit);
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                for (int i = 0; i < kMaxModelsPerTenant - kRoom; ++i) {
                  if (absl::Status s = tx.InsertModel(Model(absl::StrCat("m", i))); !s.ok()) {
                    return s;
                  }
                }
                return absl::OkStatus();
              }).ok());

  const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(kRacers, [&](int i) {
    questionnaire_api::CreateModelRequest req;
    req.set_parent("tenants/" + a_.tenant_id);
    req.set_model_id(absl::StrCat("racer", i));
    (*req.mutable_model()->mutable_display_name()->mutable_translations())["en"] = "Raced";
    questionnaire_api::CreateModelResponse resp;
    return core.CreateModel(a_, req, &resp);
  });
  EXPECT_EQ(lagom::testing::AcceptedRestOverQuota(outcomes, "a tenant holds at most 1000 models"),
            kRoom);
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                EXPECT_EQ(tx.ListModels()->size(), static_cast<size_t>(kMaxModelsPerTenant));
                return absl::OkStatus();
              }).ok());
}

TEST_F(PgModelStoreTest, AnotherTenantSeesNothing) {
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                if (absl::Status s = tx.InsertModel(Model("m")); !s.ok()) return s;
                return tx.InsertVersion(Version("1", 1));
              }).ok());
  ASSERT_TRUE(Run(b_, [](ModelTransaction& tx) -> absl::Status {
                EXPECT_FALSE(tx.GetModel("m")->has_value());
                EXPECT_TRUE(tx.ListModels()->empty());
                EXPECT_FALSE(tx.GetVersion("m", "1")->has_value());
                EXPECT_TRUE(tx.ListVersions("m")->empty());
                EXPECT_TRUE(absl::IsNotFound(tx.DeleteVersion("m", "1")));
                EXPECT_TRUE(absl::IsNotFound(tx.DeleteModel("m")));
                // The same ids are free in another tenant.
                return tx.InsertModel(Model("m"));
              }).ok());
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                EXPECT_TRUE(tx.GetVersion("m", "1")->has_value());
                return absl::OkStatus();
              }).ok());
}

}  // namespace
}  // namespace lagom::questionnaire
