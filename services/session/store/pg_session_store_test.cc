#include "services/session/store/pg_session_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_transaction.h"
#include "common/status.h"
#include "common/testing/integration.h"
#include "common/testing/scratch_database.h"
#include "common/testing/service_pool.h"
#include "services/session/core/session_core.h"
#include "session_migrations.h"

namespace lagom::session {
namespace {

class PublishedEverything final : public ModelCatalog {
 public:
  absl::StatusOr<std::optional<PublishedModel>> GetPublished(const RequestContext&,
                                                             const std::string&) override {
    return PublishedModel{"sha256:test", {}};
  }
  absl::StatusOr<std::vector<type_api::AreaTarget>> TenantTargets(const RequestContext&) override {
    return std::vector<type_api::AreaTarget>{};
  }
  absl::StatusOr<std::vector<std::string>> NotInCatalog(const RequestContext&, absl::string_view,
                                                        const std::vector<std::string>&) override {
    return std::vector<std::string>{};  // the store is under test, not the catalogue
  }
};

class PgSessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = lagom::testing::ServicePool("session", Migrations(), 2);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgSessionStore>(*pool_);
    core_ = std::make_unique<SessionCore>(*store_, models_);
    rc_.tenant_id = lagom::testing::UniqueTenantId("ses");
  }

  absl::StatusOr<api::Session> Create(const RequestContext& rc, const std::string& id,
                                      const std::string& request_id = "") {
    api::CreateSessionRequest req;
    req.set_parent("tenants/" + rc.tenant_id);
    req.set_session_id(id);
    req.set_request_id(request_id);
    req.mutable_session()->set_title("Review");
    req.mutable_session()->set_model_version("models/lagom-itsm/versions/1");
    (*req.mutable_session()->mutable_labels())["team"] = "ops";
    api::CreateSessionResponse resp;
    if (absl::Status s = core_->CreateSession(rc, req, &resp); !s.ok()) return s;
    return resp.session();
  }

  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgSessionStore> store_;
  PublishedEverything models_;
  std::unique_ptr<SessionCore> core_;
  RequestContext rc_;
};

TEST_F(PgSessionStoreTest, ASessionRoundTripsThroughItsLifecycle) {
  absl::StatusOr<api::Session> created = Create(rc_, "spring");
  ASSERT_TRUE(created.ok()) << created.status();

  api::OpenSessionRequest open;
  open.set_name(created->name());
  open.set_etag(created->etag());
  api::OpenSessionResponse opened;
  ASSERT_TRUE(core_->OpenSession(rc_, open, &opened).ok());
  EXPECT_EQ(opened.session().state(), api::SESSION_STATE_OPEN);

  api::GetSessionRequest get;
  get.set_name(created->name());
  api::GetSessionResponse got;
  ASSERT_TRUE(core_->GetSession(rc_, get, &got).ok());
  EXPECT_EQ(got.session().SerializeAsString(), opened.session().SerializeAsString());
  EXPECT_EQ(got.session().labels().at("team"), "ops");
  EXPECT_EQ(got.session().create_time().nanos(), created->create_time().nanos());

  // The etag the open consumed is stale now.
  api::CloseSessionRequest close;
  close.set_name(created->name());
  close.set_etag(created->etag());
  api::CloseSessionResponse closed;
  EXPECT_EQ(core_->CloseSession(rc_, close, &closed).code(), absl::StatusCode::kAborted);
  close.set_etag(opened.session().etag());
  ASSERT_TRUE(core_->CloseSession(rc_, close, &closed).ok());
  EXPECT_EQ(closed.session().state(), api::SESSION_STATE_CLOSED);
}

TEST_F(PgSessionStoreTest, RetriesAndTakenIdsAreAnsweredFromTheDatabase) {
  absl::StatusOr<api::Session> first = Create(rc_, "", "7c9e6679-7425-40de-944b-e07fc1f90ae7");
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<api::Session> retry = Create(rc_, "", "7c9e6679-7425-40de-944b-e07fc1f90ae7");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->name(), first->name());

  // The request_id is its caller's: another caller's same request is refused.
  RequestContext other = rc_;
  other.principal.set_subject("tenants/" + rc_.tenant_id + "/apiKeys/other");
  absl::StatusOr<api::Session> stolen = Create(other, "", "7c9e6679-7425-40de-944b-e07fc1f90ae7");
  EXPECT_EQ(ReasonOf(stolen.status()), "REQUEST_ID_REUSED");
  EXPECT_THAT(std::string(stolen.status().message()), ::testing::HasSubstr("another caller"));

  ASSERT_TRUE(Create(rc_, "taken").ok());
  absl::StatusOr<api::Session> again = Create(rc_, "taken");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(again.status()), "ALREADY_EXISTS");
}

TEST_F(PgSessionStoreTest, PagesCoverEverySessionOnceNewestFirst) {
  // Created one after the other (each a transaction, so each later by the clock), in an order
  // unlike their ids'.
  for (const char* id : {"s3", "s0", "s4", "s1", "s2"}) ASSERT_TRUE(Create(rc_, id).ok());
  api::ListSessionsRequest req;
  req.set_parent("tenants/" + rc_.tenant_id);
  req.set_page_size(2);
  std::vector<std::string> names;
  for (int page = 0; page < 10; ++page) {
    api::ListSessionsResponse resp;
    ASSERT_TRUE(core_->ListSessions(rc_, req, &resp).ok());
    EXPECT_EQ(resp.total_size(), 5);
    for (const api::Session& s : resp.sessions()) names.push_back(s.name());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  const std::string p = "tenants/" + rc_.tenant_id + "/sessions/";
  EXPECT_THAT(names, ::testing::ElementsAre(p + "s2", p + "s1", p + "s4", p + "s0", p + "s3"));
}

// Answer rows are written with the commit, under seqs reserved before: of two transactions
// writing one row, the one that reserved later stays even when it commits first, as the live
// state (which keeps the highest seq it has seen) would have it.
TEST_F(PgSessionStoreTest, OfTwoWritesOfOneAnswerTheLaterReservedStays) {
  ASSERT_TRUE(Create(rc_, "s1").ok());
  ParticipantRecord person{"p1", 1, "principal-1", "", absl::Now()};
  ASSERT_TRUE(
      store_
          ->InTenant(rc_,
                     [&](SessionTransaction& tx) { return tx.InsertParticipant("s1", person); })
          .ok());
  auto row = [](std::string body) {
    return AnswerRecord{"p1", "item-1", 1, 0, false, std::move(body), absl::Now()};
  };
  std::vector<AnswerRecord> early = {row("early")}, late = {row("late")};
  absl::Status s = store_->InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
    if (absl::Status p = tx.Prefetch("s1", {"p1"}, {}, 1); !p.ok()) return p;
    absl::Status other = store_->InTenant(rc_, [&](SessionTransaction& tx2) -> absl::Status {
      if (absl::Status p = tx2.Prefetch("s1", {"p1"}, {}, 1); !p.ok()) return p;
      return tx2.WriteAnswers("s1", late);
    });
    if (!other.ok()) return other;
    return tx.WriteAnswers("s1", early);
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_LT(early[0].seq, late[0].seq);
  std::vector<AnswerRecord> stored;
  ASSERT_TRUE(store_
                  ->InTenant(rc_,
                             [&](SessionTransaction& tx) -> absl::Status {
                               absl::StatusOr<std::vector<AnswerRecord>> rows =
                                   tx.ListAnswers("s1", std::nullopt);
                               if (!rows.ok()) return rows.status();
                               stored = *std::move(rows);
                               return absl::OkStatus();
                             })
                  .ok());
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].body, "late");
  EXPECT_EQ(stored[0].seq, late[0].seq);
}

// Offsets page anonymous sessions' answers (their tokens cannot name a participant), in
// every kind of query: each page starts where the last one ended.
TEST_F(PgSessionStoreTest, OffsetPagesOfAnswersMoveOnInEveryKindOfQuery) {
  ASSERT_TRUE(Create(rc_, "s1").ok());
  std::vector<AnswerRecord> rows;
  for (const std::string pid : {"p1", "p2"}) {
    for (int round : {1, 2}) {
      rows.push_back(AnswerRecord{pid, "item-1", round, 0, false,
                                  pid + "-r" + std::to_string(round), absl::Now()});
    }
  }
  ASSERT_TRUE(store_
                  ->InTenant(rc_,
                             [&](SessionTransaction& tx) -> absl::Status {
                               for (const std::string pid : {"p1", "p2"}) {
                                 ParticipantRecord person{pid, 1, "", "", absl::Now()};
                                 if (absl::Status s = tx.InsertParticipant("s1", person); !s.ok()) {
                                   return s;
                                 }
                               }
                               return tx.WriteAnswers("s1", rows);
                             })
                  .ok());
  auto page = [&](AnswerQuery q, size_t offset) {
    q.offset = offset;
    q.limit = 1;
    std::vector<std::string> bodies;
    EXPECT_TRUE(store_
                    ->InTenant(rc_,
                               [&](SessionTransaction& tx) -> absl::Status {
                                 absl::StatusOr<std::vector<AnswerRecord>> got =
                                     tx.ListAnswerPage("s1", q);
                                 if (!got.ok()) return got.status();
                                 for (const AnswerRecord& r : *got) bodies.push_back(r.body);
                                 return absl::OkStatus();
                               })
                    .ok());
    return bodies;
  };
  AnswerQuery all_rounds;
  all_rounds.all_rounds = true;
  AnswerQuery round_two;
  round_two.round = 2;
  AnswerQuery latest;
  using ::testing::ElementsAre;
  EXPECT_THAT(page(all_rounds, 0), ElementsAre("p1-r1"));
  EXPECT_THAT(page(all_rounds, 1), ElementsAre("p1-r2"));
  EXPECT_THAT(page(all_rounds, 3), ElementsAre("p2-r2"));
  EXPECT_THAT(page(all_rounds, 4), ElementsAre());
  EXPECT_THAT(page(round_two, 1), ElementsAre("p2-r2"));
  EXPECT_THAT(page(latest, 1), ElementsAre("p2-r2"));
}

// The latest round's answer decides (a withdrawn re-vote brings back nothing), and answers in
// force are each item's answers in its current round, by keyset and by offset alike.
TEST_F(PgSessionStoreTest, LatestAndInForceAnswersFollowRoundsAndWithdrawals) {
  ASSERT_TRUE(Create(rc_, "s2").ok());
  // Item a: rounds 1 and 2; item b: rounds 1 and 3. p1 withdrew its round-2 a; p2 answered a
  // in round 1 only; p3 answered everything in its current round.
  struct Row {
    const char* participant;
    const char* item;
    int round;
    bool withdrawn;
  };
  const std::vector<Row> table = {
      {"p1", "a", 1, false}, {"p1", "a", 2, true},  {"p1", "b", 1, false}, {"p2", "a", 1, false},
      {"p2", "b", 3, false}, {"p3", "a", 2, false}, {"p3", "b", 1, false}, {"p3", "b", 3, false}};
  std::vector<AnswerRecord> rows;
  for (const Row& r : table) {
    rows.push_back(AnswerRecord{r.participant, r.item, r.round, 0, r.withdrawn,
                                absl::StrCat(r.participant, "-", r.item, r.round), absl::Now()});
  }
  ASSERT_TRUE(store_
                  ->InTenant(rc_,
                             [&](SessionTransaction& tx) -> absl::Status {
                               for (const std::string pid : {"p1", "p2", "p3"}) {
                                 ParticipantRecord person{pid, 1, "", "", absl::Now()};
                                 if (absl::Status s = tx.InsertParticipant("s2", person); !s.ok()) {
                                   return s;
                                 }
                               }
                               return tx.WriteAnswers("s2", rows);
                             })
                  .ok());
  // Every page of `limit`, by keyset (offsets false) or by offset.
  auto all = [&](AnswerQuery q, size_t limit, bool offsets) {
    std::vector<std::string> bodies;
    for (int pages = 0; pages < 20; ++pages) {
      q.limit = limit;
      std::vector<AnswerRecord> got;
      EXPECT_TRUE(store_
                      ->InTenant(rc_,
                                 [&](SessionTransaction& tx) -> absl::Status {
                                   absl::StatusOr<std::vector<AnswerRecord>> page =
                                       tx.ListAnswerPage("s2", q);
                                   if (!page.ok()) return page.status();
                                   got = *std::move(page);
                                   return absl::OkStatus();
                                 })
                      .ok());
      for (const AnswerRecord& r : got) bodies.push_back(r.body);
      if (got.size() < limit) break;
      if (offsets) {
        q.offset += limit;
      } else {
        q.after = std::make_tuple(got.back().participant_id, got.back().item_id, got.back().round);
      }
    }
    return bodies;
  };
  using ::testing::ElementsAre;
  AnswerQuery latest;
  AnswerQuery in_force;
  in_force.in_force = true;
  AnswerQuery before_revotes = in_force;  // no item past round 1
  in_force.item_rounds = {{"a", 2}, {"b", 3}};
  EXPECT_THAT(all(before_revotes, 100, false), ElementsAre("p1-a1", "p1-b1", "p2-a1", "p3-b1"));
  for (size_t limit : {1, 2, 100}) {
    for (bool offsets : {false, true}) {
      SCOPED_TRACE(absl::StrCat("pages of ", limit, offsets ? " by offset" : " by keyset"));
      EXPECT_THAT(all(latest, limit, offsets),
                  ElementsAre("p1-b1", "p2-a1", "p2-b3", "p3-a2", "p3-b3"));
      EXPECT_THAT(all(in_force, limit, offsets), ElementsAre("p2-b3", "p3-a2", "p3-b3"));
    }
  }
}

// A kept reply comes back whole, its caller included, whether it is read ahead with a batch or
// on its own, after the batch that kept it committed.
TEST_F(PgSessionStoreTest, KeptRepliesComeBackWithTheirCaller) {
  ASSERT_TRUE(Create(rc_, "s1").ok());
  ParticipantRecord person{"p1", 1, "principal-1", "", absl::Now()};
  const IdempotentReply kept{"SubmitAnswer", std::string("req\0uest", 8), "reply",
                             std::string("\x08\x01\x12\x03who", 7)};
  ASSERT_TRUE(store_
                  ->InTenant(rc_,
                             [&](SessionTransaction& tx) -> absl::Status {
                               if (absl::Status s = tx.InsertParticipant("s1", person); !s.ok()) {
                                 return s;
                               }
                               if (absl::Status p = tx.Prefetch("s1", {"p1"}, {"r-1"}, 0);
                                   !p.ok()) {
                                 return p;
                               }
                               return tx.RecordReply("r-1", kept);
                             })
                  .ok());
  for (bool read_ahead : {true, false}) {
    SCOPED_TRACE(read_ahead ? "read ahead" : "alone");
    ASSERT_TRUE(store_
                    ->InTenant(rc_,
                               [&](SessionTransaction& tx) -> absl::Status {
                                 if (read_ahead) {
                                   absl::Status p = tx.Prefetch("s1", {"p1"}, {"r-1"}, 0);
                                   if (!p.ok()) return p;
                                 }
                                 absl::StatusOr<std::optional<IdempotentReply>> found =
                                     tx.FindReply("r-1");
                                 if (!found.ok()) return found.status();
                                 EXPECT_TRUE(found->has_value());
                                 if (!found->has_value()) return absl::OkStatus();
                                 EXPECT_EQ((*found)->method, kept.method);
                                 EXPECT_EQ((*found)->request, kept.request);
                                 EXPECT_EQ((*found)->reply, kept.reply);
                                 EXPECT_EQ((*found)->caller, kept.caller);
                                 return absl::OkStatus();
                               })
                    .ok());
  }
}

TEST_F(PgSessionStoreTest, AnswerBatchesAreNotPlannedAgainEachTime) {
  // One connection, so every batch runs where its statements were prepared.
  absl::StatusOr<std::unique_ptr<PgPool>> one =
      PgPool::Connect(lagom::testing::TestServicesPostgresUrl("lagom_app"), 1, absl::Seconds(5));
  ASSERT_TRUE(one.ok()) << one.status();
  PgSessionStore store(**one);
  ASSERT_TRUE(Create(rc_, "s1").ok());
  ParticipantRecord person{"p1", 1, "principal-1", "", absl::Now()};
  ASSERT_TRUE(
      store
          .InTenant(rc_, [&](SessionTransaction& tx) { return tx.InsertParticipant("s1", person); })
          .ok());
  constexpr int kBatches = 8;  // PostgreSQL's own choice plans at least the first five anew
  for (int i = 0; i < kBatches; ++i) {
    const std::string request_id = absl::StrCat("request-", i);
    absl::Status s = store.InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
      if (absl::Status p = tx.Prefetch("s1", {"p1"}, {request_id}, 1); !p.ok()) return p;
      std::vector<AnswerRecord> rows = {
          AnswerRecord{"p1", "item-1", 1, 0, false, "body", absl::Now()}};
      if (absl::Status w = tx.WriteAnswers("s1", rows); !w.ok()) return w;
      return tx.RecordReply(request_id, IdempotentReply{"SubmitAnswer", "request", "reply"});
    });
    ASSERT_TRUE(s.ok()) << s;
  }
  std::map<std::string, std::pair<int64_t, int64_t>> plans;  // name: (generic, custom)
  ASSERT_TRUE((*one)
                  ->WithTenant(
                      rc_,
                      [&](PgTransaction& tx) {
                        for (const pqxx::row& r : tx.exec("SELECT name, generic_plans, custom_plans"
                                                          " FROM pg_prepared_statements"
                                                          " WHERE name LIKE 'session\\_%'")) {
                          plans[r[0].as<std::string>()] = {r[1].as<int64_t>(), r[2].as<int64_t>()};
                        }
                        return absl::OkStatus();
                      })
                  .ok());
  for (const char* name :
       {"session_prefetch_session", "session_prefetch_rounds", "session_prefetch_participants",
        "session_prefetch_replies", "session_reserve_seqs", "session_upsert_answers",
        "session_keep_replies"}) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(plans.count(name));
    EXPECT_EQ(plans[name], std::make_pair(int64_t{kBatches}, int64_t{0}));
  }
}

TEST_F(PgSessionStoreTest, AnswerBatchLookupsReadOnlyTheKeysAskedFor) {
  // A batch's generic plans are kept for the connection's life, so the participants' and the
  // kept replies' lookups must read by the whole key whatever the planner knew of the tables
  // when it made them: `request_id = ANY ($2)` was planned, on a table with rows but no
  // statistics, as a scan of the tenant's whole key range with the ids as a filter.
  absl::StatusOr<std::unique_ptr<PgPool>> one =
      PgPool::Connect(lagom::testing::TestServicesPostgresUrl("lagom_app"), 1, absl::Seconds(5));
  ASSERT_TRUE(one.ok()) << one.status();
  PgSessionStore store(**one);
  ASSERT_TRUE(Create(rc_, "s1").ok());
  for (const char* pid : {"p1", "p2"}) {
    ParticipantRecord person{pid, 1, absl::StrCat("principal-", pid), "", absl::Now()};
    ASSERT_TRUE(
        store
            .InTenant(rc_,
                      [&](SessionTransaction& tx) { return tx.InsertParticipant("s1", person); })
            .ok());
  }
  absl::Status batch = store.InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
    if (absl::Status p = tx.Prefetch("s1", {"p1", "p2"}, {"r1", "r2"}, 1); !p.ok()) return p;
    return tx.RecordReply("r1", IdempotentReply{"SubmitAnswer", "request", "reply"});
  });
  ASSERT_TRUE(batch.ok()) << batch;

  // Both found by a second batch, and nothing else.
  absl::Status again = store.InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
    if (absl::Status p = tx.Prefetch("s1", {"p2", "p3"}, {"r1", "r9"}, 1); !p.ok()) return p;
    absl::StatusOr<std::optional<ParticipantRecord>> p2 = tx.GetParticipant("s1", "p2");
    absl::StatusOr<std::optional<IdempotentReply>> r1 = tx.FindReply("r1");
    absl::StatusOr<std::optional<IdempotentReply>> r9 = tx.FindReply("r9");
    EXPECT_TRUE(p2.ok() && p2->has_value() && (*p2)->principal == "principal-p2");
    EXPECT_TRUE(r1.ok() && r1->has_value() && (*r1)->reply == "reply");
    EXPECT_TRUE(r9.ok() && !r9->has_value());
    return absl::OkStatus();
  });
  ASSERT_TRUE(again.ok()) << again;

  // The plans the batches' connection keeps: every scan of the two tables is an index scan
  // whose condition is the whole key of one element, with no id left to a filter.
  struct Scan {
    std::string table, node, index_cond, filter;
  };
  std::vector<Scan> scans;
  ASSERT_TRUE(
      (*one)
          ->WithTenant(
              rc_,
              [&](PgTransaction& tx) {
                tx.exec("SET LOCAL plan_cache_mode = force_generic_plan");
                const std::string tenant = tx.quote(rc_.tenant_id);
                for (const std::string& execute :
                     {absl::StrCat("session_prefetch_participants(", tenant, ", 's1', '{p1,p2}')"),
                      absl::StrCat("session_prefetch_replies(", tenant, ", '{r1,r2}')")}) {
                  const std::string plan =
                      tx.exec1(absl::StrCat("EXPLAIN (FORMAT JSON) EXECUTE ", execute))[0]
                          .as<std::string>();
                  for (const pqxx::row& r :
                       tx.exec_params("SELECT n->>'Relation Name', n->>'Node Type',"
                                      " coalesce(n->>'Index Cond', ''), coalesce(n->>'Filter', '')"
                                      " FROM jsonb_path_query($1::jsonb, 'strict $.**') AS n"
                                      " WHERE jsonb_typeof(n) = 'object' AND n ? 'Relation Name'",
                                      plan)) {
                    scans.push_back({r[0].as<std::string>(), r[1].as<std::string>(),
                                     r[2].as<std::string>(), r[3].as<std::string>()});
                  }
                }
                return absl::OkStatus();
              })
          .ok());
  ASSERT_EQ(scans.size(), 2u);
  for (const Scan& scan : scans) {
    SCOPED_TRACE(scan.table);
    const std::string id = scan.table == "participants" ? "participant_id" : "request_id";
    EXPECT_EQ(scan.node, "Index Scan");
    EXPECT_THAT(scan.index_cond, ::testing::HasSubstr("tenant_id = $1"));
    EXPECT_THAT(scan.index_cond, ::testing::HasSubstr(absl::StrCat(id, " = x.id")));
    EXPECT_THAT(scan.index_cond, ::testing::Not(::testing::HasSubstr("ANY")));
    EXPECT_THAT(scan.filter, ::testing::Not(::testing::HasSubstr(id)))
        << "only the tenant's row policy may filter";
  }
}

// Writers hold a session before they change what hangs from it; a tenant's purge holds the
// sessions first too, so it waits for a write under way instead of holding the participant
// that write is about to change (a deadlock, which PostgreSQL would end by aborting one).
TEST_F(PgSessionStoreTest, APurgeWaitsForAWriteUnderWayAndBothFinish) {
  ASSERT_TRUE(Create(rc_, "s1").ok());
  ASSERT_TRUE(
      store_
          ->InTenant(
              rc_,
              [&](SessionTransaction& tx) {
                return tx.InsertParticipant("s1", ParticipantRecord{"p1", 1, "", "", absl::Now()});
              })
          .ok());

  lagom::testing::HeldWrite write([&](lagom::testing::HeldWrite& held) {
    return store_->InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
      absl::StatusOr<std::optional<SessionRecord>> s = tx.GetLocked("s1", /*exclusive=*/false);
      if (!s.ok()) return s.status();
      held.Hold();
      if (absl::Status st = tx.HoldParticipant("s1", "p1"); !st.ok()) return st;
      absl::StatusOr<std::optional<ParticipantRecord>> p = tx.GetParticipant("s1", "p1");
      if (!p.ok()) return p.status();
      if (!p->has_value()) return absl::NotFoundError("p1");
      ParticipantRecord changed = **p;
      ++changed.version;
      return tx.UpdateParticipant("s1", changed, changed.version - 1);
    });
  });

  lagom::testing::BackgroundPurge purge("session", rc_.tenant_id);
  EXPECT_TRUE(lagom::testing::AwaitsALock(purge.pid())) << "the purge should wait for the write";
  const absl::Status written = write.Release();
  EXPECT_EQ(purge.Finish(), "");
  EXPECT_TRUE(written.ok()) << written;
  pqxx::connection owner(lagom::testing::TestServicesPostgresUrl("postgres"));
  pqxx::work check(owner);
  for (const char* table : {"sessions", "participants"}) {
    EXPECT_EQ(check
                  .exec_params1(
                      absl::StrCat("SELECT count(*) FROM session.", table, " WHERE tenant_id = $1"),
                      rc_.tenant_id)[0]
                  .as<int>(),
              0)
        << table;
  }
}

// An answer batch holds its sessions in the order of their ids' bytes; the purge holds them in
// the same order whatever the database's collation. Here it is one that ignores punctuation,
// as many locales do: 'ab' sorts before 'a-z' under it, after it byte by byte.
TEST_F(PgSessionStoreTest, APurgeHoldsSessionsInTheOrderWritersDoUnderAnyCollation) {
  lagom::testing::ScratchDatabase db(
      "collated", "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'und-u-ka-shifted'");
  {
    absl::StatusOr<std::unique_ptr<PgPool>> owner =
        PgPool::Connect(db.owner_url(), 1, absl::Seconds(5));
    ASSERT_TRUE(owner.ok()) << owner.status();
    ASSERT_TRUE((*owner)->RunMigrations("session", Migrations()).ok());
  }
  absl::StatusOr<std::unique_ptr<PgPool>> app = PgPool::Connect(db.app_url(), 2, absl::Seconds(5));
  ASSERT_TRUE(app.ok()) << app.status();
  PgSessionStore store(**app);
  {
    pqxx::connection admin(db.admin_url());
    ASSERT_EQ(
        pqxx::work(admin)
            .exec(
                "SELECT string_agg(id, ' ' ORDER BY id) FROM (VALUES ('ab'), ('a-z')) v (id)")[0][0]
            .as<std::string>(),
        "ab a-z")
        << "the database should sort ids other than by their bytes";
  }
  ASSERT_TRUE(store
                  .InTenant(rc_,
                            [&](SessionTransaction& tx) -> absl::Status {
                              for (const char* id : {"a-z", "ab"}) {
                                if (absl::Status s = tx.Insert(
                                        SessionRecord{id, 1, "OPEN", "", "", absl::Now()});
                                    !s.ok()) {
                                  return s;
                                }
                              }
                              return absl::OkStatus();
                            })
                  .ok());

  lagom::testing::HeldWrite write([&](lagom::testing::HeldWrite& held) {
    return store.InTenant(rc_, [&](SessionTransaction& tx) -> absl::Status {
      // As an answer batch to both sessions holds them: "a-z" < "ab" byte by byte.
      for (const char* id : {"a-z", "ab"}) {
        absl::StatusOr<std::optional<SessionRecord>> s = tx.GetLocked(id, /*exclusive=*/false);
        if (!s.ok()) return s.status();
        held.Hold();  // after the first
      }
      return absl::OkStatus();
    });
  });

  lagom::testing::BackgroundPurge purge("session", rc_.tenant_id, db.app_url());
  EXPECT_TRUE(lagom::testing::AwaitsALock(purge.pid())) << "the purge should wait for the write";
  const absl::Status written = write.Release();
  EXPECT_EQ(purge.Finish(), "");
  EXPECT_TRUE(written.ok()) << written;
}

TEST_F(PgSessionStoreTest, ATenantSeesOnlyItsOwnSessions) {
  RequestContext other;
  other.tenant_id = lagom::testing::UniqueTenantId("ses");
  ASSERT_TRUE(Create(rc_, "same-id").ok());
  ASSERT_TRUE(Create(other, "same-id").ok()) << "ids are per tenant";

  // Straight at the store, below the core's name checks: the other tenant's rows are
  // invisible to this tenant's transaction.
  absl::Status s = store_->InTenant(other, [&](SessionTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<SessionRecord>> all =
        tx.List({{"DRAFT", "OPEN", "CLOSED", "ARCHIVED"}, std::nullopt, 100});
    EXPECT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 1u);
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;

  // Row-level security also hides them from a statement that forgets the tenant, for the
  // role the services run as (the test connects as a superuser, which RLS does not bind).
  s = pool_->WithTenant(other, [&](PgTransaction& tx) -> absl::Status {
    tx.exec(R"sql(
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lagom_app') THEN
          CREATE ROLE lagom_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
        END IF;
      END $$)sql");
    tx.exec("GRANT USAGE ON SCHEMA session TO lagom_app");
    tx.exec("GRANT SELECT ON session.sessions TO lagom_app");
    tx.exec("SET LOCAL ROLE lagom_app");
    pqxx::result rows =
        tx.exec_params("SELECT count(*) FROM session.sessions WHERE tenant_id = $1", rc_.tenant_id);
    EXPECT_EQ(rows[0][0].as<int>(), 0);
    EXPECT_EQ(tx.exec("SELECT count(*) FROM session.sessions")[0][0].as<int>(), 1);
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;

  api::DeleteSessionRequest del;
  del.set_name("tenants/" + rc_.tenant_id + "/sessions/same-id");
  api::DeleteSessionResponse deleted;
  EXPECT_EQ(core_->DeleteSession(other, del, &deleted).code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lagom::session
