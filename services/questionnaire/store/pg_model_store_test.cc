#include "services/questionnaire/store/pg_model_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/testing/at_once.h"
#include "common/testing/integration.h"
#include "common/testing/service_pool.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/model/builtin_models.h"
#include "services/questionnaire/model/model_core.h"
#include "services/questionnaire/model/recording_audit_sink.h"

namespace lagom::questionnaire {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

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

  // A model core with a connection for each of `callers` at once.
  struct CoreOnPool {
    std::unique_ptr<PgPool> pool;
    std::unique_ptr<PgModelStore> store;
    RecordingAuditSink audit;
    std::unique_ptr<ModelCore> core;
  };
  static std::unique_ptr<CoreOnPool> CoreFor(int callers) {
    auto pool = lagom::testing::ServicePool("questionnaire", Migrations(), callers);
    EXPECT_TRUE(pool.ok()) << pool.status();
    if (!pool.ok()) return nullptr;
    auto out = std::make_unique<CoreOnPool>();
    out->pool = *std::move(pool);
    out->store = std::make_unique<PgModelStore>(*out->pool);
    out->core = std::make_unique<ModelCore>(*out->store, out->audit);
    return out;
  }

  absl::Status CreateModel(ModelCore& core, const std::string& id,
                           questionnaire_api::Model* out = nullptr) {
    questionnaire_api::CreateModelRequest req;
    req.set_parent("tenants/" + a_.tenant_id);
    req.set_model_id(id);
    (*req.mutable_model()->mutable_display_name()->mutable_translations())["en"] = "Raced";
    questionnaire_api::CreateModelResponse resp;
    absl::Status s = core.CreateModel(a_, req, &resp);
    if (out != nullptr) *out = resp.model();
    return s;
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
                absl::StatusOr<std::vector<ModelVersionRecord>> listed =
                    tx.ListVersionsPage("m", {}, 0, 10);
                if (!listed.ok()) return listed.status();
                std::vector<std::string> ids;
                for (const ModelVersionRecord& r : *listed) ids.push_back(r.id);
                EXPECT_THAT(ids, ElementsAre("2", "1"));
                EXPECT_EQ(listed->front().body, Version("2", 2, "PUBLISHED").body);
                absl::StatusOr<std::vector<VersionKey>> keys = tx.ListVersionKeys("m");
                if (!keys.ok()) return keys.status();
                std::vector<std::string> described;
                for (const VersionKey& k : *keys) {
                  described.push_back(absl::StrCat(k.id, " ", k.seq, " ", k.state));
                }
                EXPECT_THAT(described, ElementsAre("2 2 PUBLISHED", "1 1 DRAFT"));
                return absl::OkStatus();
              }).ok());
}

TEST_F(PgModelStoreTest, APageOfVersionsIsFilteredAndCutInTheDatabase) {
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                if (absl::Status s = tx.InsertModel(Model("m")); !s.ok()) return s;
                ModelVersionRecord newest = Version("5", 5, "PUBLISHED");
                newest.content_hash = "sha256:ff";
                for (const ModelVersionRecord& r :
                     {Version("1", 1), Version("2", 2, "PUBLISHED"), Version("3", 3, "DEPRECATED"),
                      Version("4", 4), newest}) {
                  if (absl::Status s = tx.InsertVersion(r); !s.ok()) return s;
                }
                return absl::OkStatus();
              }).ok());
  auto ids = [&](const VersionFilter& filter, int offset, int limit) {
    std::vector<std::string> out;
    EXPECT_TRUE(Run(a_, [&](ModelTransaction& tx) -> absl::Status {
                  absl::StatusOr<std::vector<ModelVersionRecord>> page =
                      tx.ListVersionsPage("m", filter, offset, limit);
                  if (!page.ok()) return page.status();
                  for (const ModelVersionRecord& r : *page) out.push_back(r.id);
                  return absl::OkStatus();
                }).ok());
    return out;
  };
  EXPECT_THAT(ids({}, 0, 10), ElementsAre("5", "4", "3", "2", "1"));
  EXPECT_THAT(ids({}, 1, 2), ElementsAre("4", "3"));
  EXPECT_THAT(ids({.state_is_not = {"DRAFT"}}, 0, 10), ElementsAre("5", "3", "2"));
  EXPECT_THAT(ids({.state_is_not = {"DRAFT"}}, 1, 1), ElementsAre("3"));
  EXPECT_THAT(ids({.state_is = {"PUBLISHED"}, .content_hash_is = {"sha256:00"}}, 0, 10),
              ElementsAre("2"));
  EXPECT_THAT(ids({.content_hash_is_not = {"sha256:00"}}, 0, 10), ElementsAre("5", "4", "1"));
  EXPECT_THAT(ids({.state_is = {"PUBLISHED", "DRAFT"}}, 0, 10), ::testing::IsEmpty());
  EXPECT_THAT(ids({}, 5, 10), ::testing::IsEmpty());
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
  // Refused by the database's own trigger (migrations/0003_models.sql), whatever the code does.
  EXPECT_THAT(
      Run(a_, [&](ModelTransaction& tx) { return tx.UpdateVersion(rehashed, 1); }).message(),
      HasSubstr("is PUBLISHED and cannot change"));
  EXPECT_THAT(Run(a_, [](ModelTransaction& tx) { return tx.DeleteVersion("m", "1"); }).message(),
              HasSubstr("is PUBLISHED and cannot be deleted"));
  ModelVersionRecord deprecated = Version("1", 1, "DEPRECATED");
  deprecated.version = 2;
  EXPECT_TRUE(Run(a_, [&](ModelTransaction& tx) { return tx.UpdateVersion(deprecated, 1); }).ok());
}

TEST_F(PgModelStoreTest, ModelsCreatedAtOnceStopExactlyAtTheQuota) {
  constexpr int kRoom = 10;
  constexpr int kRacers = 2 * kRoom;
  std::unique_ptr<CoreOnPool> c = CoreFor(kRacers);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                for (int i = 0; i < kMaxModelsPerTenant - kRoom; ++i) {
                  if (absl::Status s = tx.InsertModel(Model(absl::StrCat("m", i))); !s.ok()) {
                    return s;
                  }
                }
                return absl::OkStatus();
              }).ok());

  const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(
      kRacers, [&](int i) { return CreateModel(*c->core, absl::StrCat("racer", i)); });
  EXPECT_EQ(lagom::testing::AcceptedRestOverQuota(outcomes, "a tenant holds at most 1000 models"),
            kRoom);
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                EXPECT_EQ(tx.ListModels()->size(), static_cast<size_t>(kMaxModelsPerTenant));
                return absl::OkStatus();
              }).ok());
}

TEST_F(PgModelStoreTest, VersionsCreatedAtOnceStopExactlyAtTheQuota) {
  constexpr int kRoom = 10;
  constexpr int kRacers = 2 * kRoom;
  std::unique_ptr<CoreOnPool> c = CoreFor(kRacers);
  ASSERT_NE(c, nullptr);
  questionnaire_api::Model model;
  ASSERT_TRUE(CreateModel(*c->core, "raced", &model).ok());
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                for (int i = 1; i <= kMaxVersionsPerModel - kRoom; ++i) {
                  ModelVersionRecord r = Version(absl::StrCat("old", i), i);
                  r.model_id = "raced";
                  if (absl::Status s = tx.InsertVersion(r); !s.ok()) return s;
                }
                return absl::OkStatus();
              }).ok());

  const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(kRacers, [&](int) {
    questionnaire_api::CreateModelVersionRequest req;
    req.set_parent(model.name());
    req.set_source_version(BuiltinModels().front().versions.back().name());
    questionnaire_api::CreateModelVersionResponse resp;
    return c->core->CreateModelVersion(a_, req, &resp);
  });
  EXPECT_EQ(lagom::testing::AcceptedRestOverQuota(outcomes, "a model holds at most 1000 versions"),
            kRoom);
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                EXPECT_EQ(tx.ListVersionKeys("raced")->size(),
                          static_cast<size_t>(kMaxVersionsPerModel));
                return absl::OkStatus();
              }).ok());
}

// Callers who send no etag are not refused for each other's writes: new versions, publishing
// and edits of one model at the same moment go one after the other.
TEST_F(PgModelStoreTest, WritersOfOneModelAtOnceAllSucceedWithoutEtags) {
  constexpr int kEach = 4;
  std::unique_ptr<CoreOnPool> c = CoreFor(3 * kEach);
  ASSERT_NE(c, nullptr);
  ModelCore& core = *c->core;
  const std::string builtin = BuiltinModels().front().versions.back().name();
  questionnaire_api::Model model;
  ASSERT_TRUE(CreateModel(core, "busy", &model).ok());
  auto new_version = [&](questionnaire_api::ModelVersion* out) {
    questionnaire_api::CreateModelVersionRequest req;
    req.set_parent(model.name());
    req.set_source_version(builtin);
    questionnaire_api::CreateModelVersionResponse resp;
    absl::Status s = core.CreateModelVersion(a_, req, &resp);
    if (out != nullptr) *out = resp.model_version();
    return s;
  };
  std::vector<questionnaire_api::ModelVersion> drafts(kEach);
  for (auto& draft : drafts) ASSERT_TRUE(new_version(&draft).ok());

  const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(3 * kEach, [&](int i) {
    if (i < kEach) return new_version(nullptr);
    if (i < 2 * kEach) {
      questionnaire_api::PublishModelVersionRequest req;
      req.set_name(drafts[i - kEach].name());
      questionnaire_api::PublishModelVersionResponse resp;
      return core.PublishModelVersion(a_, req, &resp);
    }
    questionnaire_api::UpdateModelRequest req;
    req.mutable_model()->set_name(model.name());
    (*req.mutable_model()->mutable_display_name()->mutable_translations())["en"] =
        absl::StrCat("Busy ", i);
    req.mutable_update_mask()->add_paths("display_name");
    questionnaire_api::UpdateModelResponse resp;
    return core.UpdateModel(a_, req, &resp);
  });
  for (const absl::Status& s : outcomes) EXPECT_TRUE(s.ok()) << s;
  ASSERT_TRUE(Run(a_, [&](ModelTransaction& tx) -> absl::Status {
                EXPECT_EQ(tx.ListVersionKeys("busy")->size(), static_cast<size_t>(2 * kEach));
                absl::StatusOr<std::optional<ModelRecord>> model = tx.GetModel("busy");
                if (!model.ok()) return model.status();
                // Created, 2 * kEach versions numbered, kEach published, kEach edits.
                EXPECT_EQ((*model)->version, 1 + 2 * kEach + kEach + kEach);
                return absl::OkStatus();
              }).ok());
}

// Retries sent while the first call is still running wait for it and get its reply: one
// version made, every caller told the same.
TEST_F(PgModelStoreTest, RetriesRacingTheirFirstCallGetItsReply) {
  constexpr int kCalls = 6;
  std::unique_ptr<CoreOnPool> c = CoreFor(kCalls);
  ASSERT_NE(c, nullptr);
  questionnaire_api::Model model;
  ASSERT_TRUE(CreateModel(*c->core, "retried", &model).ok());
  std::vector<std::string> names(kCalls);
  const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(kCalls, [&](int i) {
    questionnaire_api::CreateModelVersionRequest req;
    req.set_parent(model.name());
    req.set_source_version(BuiltinModels().front().versions.back().name());
    req.set_request_id("5f2d8c1e-9a7b-4e3c-8d6f-1b0a2c4e6f88");
    questionnaire_api::CreateModelVersionResponse resp;
    absl::Status s = c->core->CreateModelVersion(a_, req, &resp);
    names[i] = resp.model_version().name();
    return s;
  });
  for (const absl::Status& s : outcomes) EXPECT_TRUE(s.ok()) << s;
  for (const std::string& name : names) EXPECT_EQ(name, names[0]);
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                EXPECT_EQ(tx.ListVersionKeys("retried")->size(), 1u);
                return absl::OkStatus();
              }).ok());
}

// Writers hold a model before they change its versions; a tenant's purge holds the models
// first too, so it waits for a write under way instead of holding the version that write is
// about to change (a deadlock, which PostgreSQL would end by aborting one of them).
TEST_F(PgModelStoreTest, APurgeWaitsForAWriteUnderWayAndBothFinish) {
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                if (absl::Status s = tx.InsertModel(Model("m")); !s.ok()) return s;
                return tx.InsertVersion(Version("1", 1));
              }).ok());

  lagom::testing::HeldWrite write([&](lagom::testing::HeldWrite& held) {
    return Run(a_, [&](ModelTransaction& tx) -> absl::Status {
      if (absl::Status s = tx.HoldModel("m"); !s.ok()) return s;
      held.Hold();
      absl::StatusOr<std::optional<ModelVersionRecord>> v = tx.GetVersion("m", "1");
      if (!v.ok()) return v.status();
      if (!v->has_value()) return absl::NotFoundError("m/1");
      ModelVersionRecord changed = **v;
      changed.body += " edited";
      ++changed.version;
      return tx.UpdateVersion(changed, changed.version - 1);
    });
  });

  lagom::testing::BackgroundPurge purge("questionnaire", a_.tenant_id);
  EXPECT_TRUE(lagom::testing::AwaitsALock(purge.pid())) << "the purge should wait for the write";
  const absl::Status written = write.Release();
  EXPECT_EQ(purge.Finish(), "");
  EXPECT_TRUE(written.ok()) << written;
  ASSERT_TRUE(Run(a_, [](ModelTransaction& tx) -> absl::Status {
                EXPECT_FALSE(tx.GetModel("m")->has_value());
                EXPECT_TRUE(tx.ListVersionKeys("m")->empty());
                return absl::OkStatus();
              }).ok());
}

// A model or version id already taken is ALREADY_EXISTS naming it, on PostgreSQL as on the
// fake (the unique key alone would say only that some key is taken).
TEST_F(PgModelStoreTest, ATakenIdIsAlreadyExistsNamingTheModelOrVersion) {
  std::unique_ptr<CoreOnPool> c = CoreFor(2);
  ASSERT_NE(c, nullptr);
  questionnaire_api::Model model;
  ASSERT_TRUE(CreateModel(*c->core, "twice", &model).ok());
  absl::Status again = CreateModel(*c->core, "twice");
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
  EXPECT_EQ(again.message(), "model " + model.name() + " already exists");
  questionnaire_api::CreateModelVersionRequest req;
  req.set_parent(model.name());
  req.set_model_version_id("v1");
  req.set_source_version(BuiltinModels().front().versions.back().name());
  questionnaire_api::CreateModelVersionResponse resp;
  ASSERT_TRUE(c->core->CreateModelVersion(a_, req, &resp).ok());
  absl::Status taken = c->core->CreateModelVersion(a_, req, &resp);
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists) << taken;
  EXPECT_EQ(taken.message(), "model version " + model.name() + "/versions/v1 already exists");
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
                EXPECT_TRUE(tx.ListVersionsPage("m", {}, 0, 10)->empty());
                EXPECT_TRUE(tx.ListVersionKeys("m")->empty());
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
