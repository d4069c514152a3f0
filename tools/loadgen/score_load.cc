#include "tools/loadgen/score_load.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/auth/api_key.h"
#include "common/auth/authenticator.h"
#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/scoring/v1/scoring.grpc.pb.h"
#include "lagom/session/v1/session.grpc.pb.h"
#include "tools/loadgen/session_fixture.h"

namespace lagom::loadgen {
namespace {

namespace capi = ::lagom::catalog::v1;
namespace qapi = ::lagom::questionnaire::v1;
namespace sapi = ::lagom::session::v1;
namespace scapi = ::lagom::scoring::v1;

// One answer as the SQL baseline sees it: the figures the scoring core aggregates.
struct FlatAnswer {
  int respondent = 0;
  bool customer = false;
  std::string area;
  std::string item;
  double weight = 1;
  std::optional<double> normalized;  // nullopt: N/A
};

// The built-in model's areas with `per_area` items each, every item answered by both
// perspectives (copies of the area's own items, so texts, scales and levels stay valid).
qapi::ModelContent BenchmarkModel(const qapi::ModelContent& builtin, int per_area) {
  qapi::ModelContent out = builtin;
  for (qapi::Area& area : *out.mutable_areas()) {
    const qapi::Area original = area;
    area.clear_items();
    for (int k = 0; k < per_area; ++k) {
      qapi::Item item = original.items(k % original.items_size());
      item.set_id(absl::StrCat(original.id(), ".q", k));
      item.set_lineage_id(absl::StrCat("lin.", item.id()));
      item.set_perspective(qapi::ITEM_PERSPECTIVE_BOTH);
      item.clear_pair_id();
      item.clear_servqual_dimension();
      item.clear_servqual_aspect();
      *area.add_items() = std::move(item);
    }
  }
  return out;
}

template <typename Call>
absl::Status Admin(const ScoreOptions& o, absl::string_view step, Call call) {
  const auto ctx = AdminContext(o.api_key, o.timeout);
  return StepStatus(call(ctx.get()), step);
}

// Creates and publishes the benchmark model in the key's tenant; returns the version name.
absl::StatusOr<std::string> PublishModel(const ScoreOptions& o, grpc::Channel& questionnaire,
                                         const std::string& tenant, const std::string& suffix,
                                         qapi::ModelContent* content) {
  auto stub = qapi::QuestionnaireService::NewStub(Borrow(questionnaire));
  qapi::GetModelVersionRequest get;
  get.set_name(kBuiltInModel);
  qapi::GetModelVersionResponse builtin;
  if (absl::Status s =
          Admin(o, "GetModelVersion (built-in)",
                [&](grpc::ClientContext* c) { return stub->GetModelVersion(c, get, &builtin); });
      !s.ok()) {
    return s;
  }
  *content = BenchmarkModel(builtin.model_version().content(), o.items_per_area);

  qapi::CreateModelRequest create;
  create.set_parent(absl::StrCat("tenants/", tenant));
  create.set_model_id(absl::StrCat("bench-", suffix));
  (*create.mutable_model()->mutable_display_name()->mutable_translations())["en"] =
      "Scoring benchmark";
  qapi::CreateModelResponse model;
  if (absl::Status s =
          Admin(o, "CreateModel",
                [&](grpc::ClientContext* c) { return stub->CreateModel(c, create, &model); });
      !s.ok()) {
    return s;
  }
  qapi::CreateModelVersionRequest version;
  version.set_parent(model.model().name());
  version.set_model_version_id("v1");
  version.mutable_model_version()->set_version_label("1");
  *version.mutable_model_version()->mutable_content() = *content;
  qapi::CreateModelVersionResponse draft;
  if (absl::Status s = Admin(
          o, "CreateModelVersion",
          [&](grpc::ClientContext* c) { return stub->CreateModelVersion(c, version, &draft); });
      !s.ok()) {
    return s;
  }
  qapi::PublishModelVersionRequest publish;
  publish.set_name(draft.model_version().name());
  qapi::PublishModelVersionResponse published;
  if (absl::Status s = Admin(o, "PublishModelVersion",
                             [&](grpc::ClientContext* c) {
                               return stub->PublishModelVersion(c, publish, &published);
                             });
      !s.ok()) {
    return s;
  }
  return draft.model_version().name();
}

absl::StatusOr<std::string> CreateOrganization(const ScoreOptions& o, grpc::Channel& questionnaire,
                                               const std::string& tenant,
                                               const std::string& suffix) {
  auto stub = capi::CatalogService::NewStub(Borrow(questionnaire));
  capi::CreateCustomerOrganizationRequest req;
  req.set_parent(absl::StrCat("tenants/", tenant));
  req.set_customer_organization_id(absl::StrCat("bench-", suffix));
  req.mutable_customer_organization()->set_display_name("Benchmark customers");
  capi::CreateCustomerOrganizationResponse resp;
  if (absl::Status s = Admin(
          o, "CreateCustomerOrganization",
          [&](grpc::ClientContext* c) { return stub->CreateCustomerOrganization(c, req, &resp); });
      !s.ok()) {
    return s;
  }
  return resp.customer_organization().name();
}

// Every respondent answers every item: customers a level lower on average, 3 % N/A where the
// item allows it. One BatchSubmitAnswers per respondent, with its invite token.
absl::StatusOr<std::vector<FlatAnswer>> Answer(const ScoreOptions& o, grpc::Channel& session,
                                               const LoadSession& load,
                                               const qapi::ModelContent& model) {
  auto stub = sapi::SessionService::NewStub(Borrow(session));
  std::mt19937_64 random(42);  // the same answers every run
  std::mt19937_64 ids(std::random_device{}());
  std::vector<FlatAnswer> flat;
  for (size_t r = 0; r < load.respondents.size(); ++r) {
    const bool customer = r % 2 == 1;  // PrepareSession's alternation
    sapi::BatchSubmitAnswersRequest req;
    req.set_parent(load.respondents[r].participant);
    req.set_request_id(NewRequestId(ids));
    for (const qapi::Area& area : model.areas()) {
      for (const qapi::Item& item : area.items()) {
        const int levels = item.level_descriptors_size();
        const double low = item.level_descriptors(0).value();
        const double high = item.level_descriptors(levels - 1).value();
        sapi::Answer* a = req.add_answers();
        a->set_item_id(item.id());
        FlatAnswer f{static_cast<int>(r),
                     customer,
                     area.id(),
                     item.id(),
                     item.weight() > 0 ? item.weight() : 1.0,
                     std::nullopt};
        if (item.na_allowed() && random() % 100 < 3) {
          a->set_not_applicable(true);
        } else {
          const int bias = customer ? 1 : 0;
          const int level = std::clamp(static_cast<int>(random() % levels) - bias, 0, levels - 1);
          const double value = item.level_descriptors(level).value();
          a->set_value(value);
          f.normalized = (value - low) / (high - low);
        }
        flat.push_back(std::move(f));
      }
    }
    grpc::ClientContext ctx;
    ctx.AddMetadata(auth::kInviteTokenKey, load.respondents[r].token);
    ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(o.timeout));
    sapi::BatchSubmitAnswersResponse resp;
    if (absl::Status s = StepStatus(stub->BatchSubmitAnswers(&ctx, req, &resp),
                                    absl::StrCat("BatchSubmitAnswers as ", req.parent()));
        !s.ok()) {
      return s;
    }
    if ((r + 1) % 100 == 0) std::cerr << "  " << r + 1 << " respondents answered\n";
  }
  return flat;
}

std::string SqlArray(const std::vector<std::string>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

// The answers into a temporary table, then the per-area aggregation the scoring core does
// (item means per group, then the weighted mean of the answered items per area and group).
absl::StatusOr<std::map<std::pair<std::string, std::string>, double>> SqlAggregate(
    const ScoreOptions& o, const std::vector<FlatAnswer>& answers,
    std::vector<absl::Duration>* timings) {
  try {
    pqxx::connection conn(o.postgres_url);
    pqxx::nontransaction tx(conn);
    tx.exec(
        "CREATE TEMP TABLE bench_answers (respondent int, customer boolean, area text,"
        " item text, weight float8, v float8)");
    std::vector<std::string> respondent, customer, area, item, weight, v;
    for (const FlatAnswer& a : answers) {
      respondent.push_back(absl::StrCat(a.respondent));
      customer.push_back(a.customer ? "t" : "f");
      area.push_back(a.area);
      item.push_back(a.item);
      weight.push_back(absl::StrCat(a.weight));
      v.push_back(a.normalized ? absl::StrCat(*a.normalized) : "NULL");
    }
    tx.exec_params(
        "INSERT INTO bench_answers SELECT * FROM unnest($1::int[], $2::boolean[], $3::text[],"
        " $4::text[], $5::float8[], $6::float8[])",
        SqlArray(respondent), SqlArray(customer), SqlArray(area), SqlArray(item), SqlArray(weight),
        SqlArray(v));
    tx.exec("ANALYZE bench_answers");
    const char* kAggregate =
        "WITH g AS ("
        "  SELECT area, item, weight, CASE WHEN customer THEN 'customers' ELSE 'provider' END"
        "  AS grp, v FROM bench_answers WHERE v IS NOT NULL),"
        " items AS (SELECT area, grp, item, max(weight) AS w, avg(v) AS m FROM g"
        "  GROUP BY area, grp, item)"
        " SELECT area, grp, sum(w * m) / sum(w) FROM items GROUP BY area, grp";
    std::map<std::pair<std::string, std::string>, double> scores;
    for (int i = 0; i < o.repetitions; ++i) {
      const absl::Time start = absl::Now();
      pqxx::result rows = tx.exec(kAggregate);
      timings->push_back(absl::Now() - start);
      scores.clear();
      for (const pqxx::row& row : rows) {
        scores[{row[0].as<std::string>(), row[1].as<std::string>()}] = row[2].as<double>();
      }
    }
    return scores;
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("PostgreSQL baseline: ", e.what()));
  }
}

absl::StatusOr<scapi::Scorecard> Score(const ScoreOptions& o, scapi::ScoringService::Stub& stub,
                                       const std::string& session, bool preview,
                                       absl::Duration* took) {
  scapi::ScoreSessionRequest req;
  req.set_session(session);
  req.set_preview(preview);
  scapi::ScoreSessionResponse resp;
  const auto ctx = AdminContext(o.api_key, o.timeout);
  const absl::Time start = absl::Now();
  const grpc::Status s = stub.ScoreSession(ctx.get(), req, &resp);
  *took = absl::Now() - start;
  if (absl::Status st = StepStatus(s, absl::StrCat("ScoreSession ", session)); !st.ok()) return st;
  return std::move(*resp.mutable_scorecard());
}

}  // namespace

absl::StatusOr<ScoreResult> RunScore(const ScoreOptions& o, grpc::Channel& questionnaire,
                                     grpc::Channel& session, grpc::Channel& scoring) {
  absl::StatusOr<auth::ApiKeyParts> key = auth::ParseApiKey(o.api_key);
  if (!key.ok()) return absl::InvalidArgumentError("the API key is not a Lagom API key (lgm_...)");
  const std::string suffix = absl::StrCat(absl::ToUnixMillis(absl::Now()));
  qapi::ModelContent model;
  absl::StatusOr<std::string> version =
      PublishModel(o, questionnaire, key->tenant_id, suffix, &model);
  if (!version.ok()) return version.status();
  absl::StatusOr<std::string> organization =
      CreateOrganization(o, questionnaire, key->tenant_id, suffix);
  if (!organization.ok()) return organization.status();
  absl::StatusOr<LoadSession> load =
      PrepareSession(session, o.api_key, *version, "Scoring benchmark", o.respondents, {},
                     o.timeout, *organization);
  if (!load.ok()) return load.status();
  absl::StatusOr<std::vector<FlatAnswer>> answers = Answer(o, session, *load, model);
  if (!answers.ok()) return answers.status();

  auto sessions = sapi::SessionService::NewStub(Borrow(session));
  sapi::CloseSessionRequest close;
  close.set_name(load->name);
  sapi::CloseSessionResponse closed;
  if (absl::Status s =
          Admin(o, "CloseSession",
                [&](grpc::ClientContext* c) { return sessions->CloseSession(c, close, &closed); });
      !s.ok()) {
    return s;
  }

  ScoreResult result;
  result.session = load->name;
  result.answers = static_cast<int>(answers->size());
  auto stub = scapi::ScoringService::NewStub(Borrow(scoring));
  absl::StatusOr<scapi::Scorecard> recorded = Score(o, *stub, load->name, false, &result.record);
  if (!recorded.ok()) result.record_error = std::string(recorded.status().message());
  absl::StatusOr<scapi::Scorecard> card;
  for (int i = 0; i < o.repetitions; ++i) {
    absl::Duration took;
    card = Score(o, *stub, load->name, /*preview=*/true, &took);
    if (!card.ok()) return card.status();
    result.score_session.push_back(took);
  }
  absl::StatusOr<std::map<std::pair<std::string, std::string>, double>> sql =
      SqlAggregate(o, *answers, &result.sql);
  if (!sql.ok()) return sql.status();
  // The two must agree, or the comparison is of different work.
  for (const scapi::AreaScore& a : card->area_scores()) {
    const std::string group =
        a.group().kind() == type::v1::RESPONSE_GROUP_KIND_PROVIDER ? "provider" : "customers";
    auto it = sql->find({a.area_id(), group});
    if (it == sql->end()) continue;
    result.max_difference = std::max(result.max_difference, std::abs(it->second - a.score()));
    ++result.area_scores;
  }
  return result;
}

}  // namespace lagom::loadgen
