// The transcoder on the real Lagom API (the embedded descriptor set): routes, path and query
// binding, bodies, and the errors a REST client gets for bad input.
#include "services/gateway/transcoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "lagom/reporting/v1/reporting.pb.h"
#include "lagom/session/v1/session.pb.h"
#include "services/gateway/api_descriptors.h"

namespace lagom::gateway {
namespace {

namespace ses = ::lagom::session::v1;
namespace rep = ::lagom::reporting::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

class TranscoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<Transcoder>> made = ApiTranscoder();
    ASSERT_TRUE(made.ok()) << made.status();
    transcoder_ = made->release();
  }
  static void TearDownTestSuite() { delete transcoder_; }

  // A path with no route fails the test and gives a route that is not the one expected (not a
  // null one, whose use would end the whole test binary).
  Transcoder::Match Find(absl::string_view method, absl::string_view path) {
    absl::StatusOr<Transcoder::Match> match = transcoder_->Find(method, path);
    EXPECT_TRUE(match.ok()) << method << " " << path << ": " << match.status();
    if (match.ok()) return *match;
    Transcoder::Match none;
    none.route = &transcoder_->routes().front();
    return none;
  }

  // The request the gateway would send, parsed as the generated message.
  template <typename Request>
  absl::StatusOr<Request> Build(absl::string_view method, absl::string_view path,
                                absl::string_view query, absl::string_view body = "") {
    absl::StatusOr<Transcoder::Match> found = transcoder_->Find(method, path);
    if (!found.ok()) return found.status();
    const Transcoder::Match& match = *found;
    EXPECT_EQ(match.route->method->input_type()->full_name(), Request::descriptor()->full_name());
    absl::StatusOr<std::string> binary = transcoder_->Request(match, query, body);
    if (!binary.ok()) return binary.status();
    Request request;
    EXPECT_TRUE(request.ParseFromString(*binary));
    return request;
  }

  static Transcoder* transcoder_;
};

Transcoder* TranscoderTest::transcoder_ = nullptr;

TEST_F(TranscoderTest, EveryPublicServiceHasRoutesAndTheInternalOneNone) {
  std::set<std::string> services;
  for (const Route& route : transcoder_->routes()) {
    services.insert(route.method->service()->full_name());
  }
  EXPECT_THAT(
      services,
      ElementsAre("lagom.catalog.v1.CatalogService", "lagom.questionnaire.v1.QuestionnaireService",
                  "lagom.reporting.v1.ReportingService", "lagom.scoring.v1.ScoringService",
                  "lagom.session.v1.SessionService", "lagom.tenancy.v1.TenantService"));
}

TEST_F(TranscoderTest, RoutesByMethodPathAndVerb) {
  Transcoder::Match close = Find("POST", "/v1/tenants/acme/sessions/s-1:close");
  EXPECT_EQ(close.route->grpc_path, "/lagom.session.v1.SessionService/CloseSession");
  EXPECT_THAT(close.bindings, ElementsAre(Pair("name", "tenants/acme/sessions/s-1")));
  EXPECT_EQ(Find("GET", "/v1/tenants/acme/sessions/s-1").route->method->name(), "GetSession");
  EXPECT_EQ(Find("PATCH", "/v1/tenants/acme/sessions/s-1").route->method->name(), "UpdateSession");
  EXPECT_EQ(Find("POST", "/v1/invitations:accept").route->method->name(), "AcceptInvitation");
  // GetTenant's "/v1/{name=tenants/*}" matches too, with "acme:benchmark" as the tenant; the
  // route with more literal segments (the verb) wins.
  EXPECT_EQ(Find("GET", "/v1/tenants/acme:benchmark").route->method->name(), "GetBenchmark");
  EXPECT_EQ(Find("GET", "/v1/tenants/acme/settings").route->method->name(), "GetTenantSettings");
}

TEST_F(TranscoderTest, AdditionalBindingsAreRoutesOfTheSameMethod) {
  Transcoder::Match builtin = Find("GET", "/v1/models/lagom-itsm/versions/1");
  EXPECT_EQ(builtin.route->method->name(), "GetModelVersion");
  EXPECT_EQ(builtin.route->binding, 1);
  EXPECT_THAT(builtin.bindings, ElementsAre(Pair("name", "models/lagom-itsm/versions/1")));
  Transcoder::Match tenant = Find("GET", "/v1/tenants/acme/models/m/versions/2");
  EXPECT_EQ(tenant.route->method->name(), "GetModelVersion");
  EXPECT_EQ(tenant.route->binding, 0);
}

TEST_F(TranscoderTest, UnknownRoutesAreNotFoundAndAWrongMethodSaysWhichOnesThePathTakes) {
  absl::StatusOr<Transcoder::Match> wrong =
      transcoder_->Find("GET", "/v1/tenants/a/sessions/s:close");
  ASSERT_EQ(wrong.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(wrong.status().message(), HasSubstr("this path takes POST"));
  absl::StatusOr<Transcoder::Match> unknown = transcoder_->Find("GET", "/v1/nothing/here");
  ASSERT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("no route for GET /v1/nothing/here"));
  EXPECT_EQ(ReasonOf(unknown.status()), "NOT_FOUND");
}

TEST_F(TranscoderTest, QueryParametersFillTheFieldsThePathDoesNotBind) {
  absl::StatusOr<ses::ListSessionsRequest> list = Build<ses::ListSessionsRequest>(
      "GET", "/v1/tenants/acme/sessions", "pageSize=5&page_token=abc&filter=state+%3D+OPEN");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->parent(), "tenants/acme");
  EXPECT_EQ(list->page_size(), 5);
  EXPECT_EQ(list->page_token(), "abc");
  EXPECT_EQ(list->filter(), "state = OPEN");
}

TEST_F(TranscoderTest, NestedRepeatedEnumAndTimestampQueryParameters) {
  absl::StatusOr<rep::GetTrendRequest> trend = Build<rep::GetTrendRequest>(
      "GET", "/v1/tenants/acme/scorecards:trend",
      "metric=TREND_METRIC_AREA_SCORE&areaLineageIds=a1&area_lineage_ids=a2"
      "&selector.session=tenants/acme/sessions/s&selector.startTime=2026-01-02T03:04:05Z"
      "&group.kind=RESPONSE_GROUP_KIND_PROVIDER");
  ASSERT_TRUE(trend.ok()) << trend.status();
  EXPECT_EQ(trend->metric(), rep::TREND_METRIC_AREA_SCORE);
  EXPECT_THAT(trend->area_lineage_ids(), ElementsAre("a1", "a2"));
  EXPECT_EQ(trend->selector().session(), "tenants/acme/sessions/s");
  EXPECT_EQ(trend->selector().start_time().seconds(), 1767323045);
  EXPECT_EQ(trend->group().kind(), lagom::type::v1::RESPONSE_GROUP_KIND_PROVIDER);
}

TEST_F(TranscoderTest, BadQueryParametersNameTheParameterAndWhatItTakes) {
  auto error = [&](absl::string_view query) {
    absl::StatusOr<rep::RenderReportRequest> r =
        Build<rep::RenderReportRequest>("GET", "/v1/tenants/acme/scorecards/c1:render", query);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << query;
    return r.status();
  };
  absl::Status bad_enum = error("format=PDFX");
  EXPECT_THAT(bad_enum.message(), HasSubstr("query parameter format: \"PDFX\" is not one of "
                                            "REPORT_FORMAT_UNSPECIFIED, REPORT_FORMAT_HTML"));
  ASSERT_EQ(ViolationsOf(bad_enum).size(), 1u);
  EXPECT_EQ(ViolationsOf(bad_enum)[0].field, "format");
  EXPECT_THAT(error("colour=red").message(),
              HasSubstr("query parameter \"colour\" is not accepted: known: format, languageTag"));
  EXPECT_THAT(error("scorecard=tenants/acme/scorecards/c2").message(),
              HasSubstr("the path or the body sets it"));
  EXPECT_THAT(error("format=REPORT_FORMAT_HTML&format=REPORT_FORMAT_HTML").message(),
              HasSubstr("given twice but is not repeated"));
  // A percent-encoded byte that is not UTF-8 is named here, not sent on to fail the call.
  absl::Status not_utf8 = error("languageTag=%FF");
  EXPECT_THAT(not_utf8.message(), HasSubstr("query parameter languageTag is not UTF-8 text"));
  ASSERT_EQ(ViolationsOf(not_utf8).size(), 1u);
  EXPECT_EQ(ViolationsOf(not_utf8)[0].field, "language_tag");
  EXPECT_TRUE(Build<rep::RenderReportRequest>("GET", "/v1/tenants/acme/scorecards/c1:render",
                                              "languageTag=%C3%A5")
                  .ok())
      << "UTF-8 is taken";
  absl::StatusOr<rep::RenderReportRequest> path =
      Build<rep::RenderReportRequest>("GET", "/v1/tenants/acme/scorecards/%FF:render", "");
  EXPECT_EQ(path.status().code(), absl::StatusCode::kInvalidArgument) << path.status();
  EXPECT_THAT(path.status().message(), HasSubstr("is not UTF-8 text"));

  absl::StatusOr<ses::ListSessionsRequest> size =
      Build<ses::ListSessionsRequest>("GET", "/v1/tenants/acme/sessions", "pageSize=ten");
  EXPECT_THAT(size.status().message(),
              HasSubstr("query parameter pageSize: \"ten\" is not a 32-bit integer"));
}

TEST_F(TranscoderTest, ABodyFieldFillsThatFieldAndThePathFillsTheRest) {
  absl::StatusOr<ses::CreateSessionRequest> create = Build<ses::CreateSessionRequest>(
      "POST", "/v1/tenants/acme/sessions", "sessionId=autumn",
      R"({"title": "Autumn", "modelVersion": "models/lagom-itsm/versions/1",
          "scope": {"customerOrganizations": ["tenants/acme/customerOrganizations/c"]}})");
  ASSERT_TRUE(create.ok()) << create.status();
  EXPECT_EQ(create->parent(), "tenants/acme");
  EXPECT_EQ(create->session_id(), "autumn");
  EXPECT_EQ(create->session().title(), "Autumn");
  EXPECT_THAT(create->session().scope().customer_organizations(),
              ElementsAre("tenants/acme/customerOrganizations/c"));
}

TEST_F(TranscoderTest, ThePathWinsOverTheSameFieldInTheBodyAndAFieldMaskComesFromTheQuery) {
  absl::StatusOr<ses::UpdateSessionRequest> update = Build<ses::UpdateSessionRequest>(
      "PATCH", "/v1/tenants/acme/sessions/s-1", "updateMask=title,description",
      R"({"name": "tenants/other/sessions/x", "title": "New"})");
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->session().name(), "tenants/acme/sessions/s-1");
  EXPECT_EQ(update->session().title(), "New");
  EXPECT_THAT(update->update_mask().paths(), ElementsAre("title", "description"));
}

TEST_F(TranscoderTest, AStarBodyIsTheWholeRequestAndTakesNoQueryParameters) {
  absl::StatusOr<ses::CloseSessionRequest> close = Build<ses::CloseSessionRequest>(
      "POST", "/v1/tenants/acme/sessions/s-1:close", "", R"({"requestId": "r-1"})");
  ASSERT_TRUE(close.ok()) << close.status();
  EXPECT_EQ(close->name(), "tenants/acme/sessions/s-1");
  EXPECT_EQ(close->request_id(), "r-1");
  absl::StatusOr<ses::CloseSessionRequest> empty =
      Build<ses::CloseSessionRequest>("POST", "/v1/tenants/acme/sessions/s-1:close", "", "");
  EXPECT_TRUE(empty.ok()) << empty.status();
  absl::StatusOr<ses::CloseSessionRequest> query = Build<ses::CloseSessionRequest>(
      "POST", "/v1/tenants/acme/sessions/s-1:close", "requestId=r-2", "{}");
  EXPECT_THAT(query.status().message(), HasSubstr("takes its fields in the JSON body"));
}

TEST_F(TranscoderTest, BadBodiesNameTheFieldTheParserStoppedAt) {
  auto error = [&](absl::string_view body) {
    absl::StatusOr<ses::CreateSessionRequest> r =
        Build<ses::CreateSessionRequest>("POST", "/v1/tenants/acme/sessions", "", body);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(ReasonOf(r.status()), "FIELD_INVALID");
    std::vector<FieldViolation> violations = ViolationsOf(r.status());
    EXPECT_EQ(violations.size(), 1u) << r.status();
    return violations.empty() ? FieldViolation{} : violations[0];
  };
  EXPECT_EQ(error(R"({"titel": "Autumn"})").field, "session.titel");
  EXPECT_EQ(error(R"({"title": 5})").field, "session.title");
  FieldViolation nested = error(R"({"scope": {"customerOrganizations": [5]}})");
  EXPECT_EQ(nested.field, "session.scope.customer_organizations[0]");
  EXPECT_THAT(nested.description, HasSubstr("invalid value 5 for type TYPE_STRING"));
  EXPECT_EQ(error(R"({"scope": {"colour": "red"}})").field, "session.scope.colour");
  EXPECT_EQ(error(R"({"title": "Autumn")").field, "session");  // malformed: no field to name
}

TEST_F(TranscoderTest, ABodyOnAMethodWithoutOneIsRefused) {
  absl::StatusOr<ses::GetSessionRequest> get =
      Build<ses::GetSessionRequest>("GET", "/v1/tenants/acme/sessions/s-1", "", R"({"name": "x"})");
  EXPECT_THAT(get.status().message(), HasSubstr("takes no request body"));
}

TEST_F(TranscoderTest, ResponsesAreWrittenInTheJsonMapping) {
  ses::GetSessionResponse response;
  response.mutable_session()->set_name("tenants/acme/sessions/s-1");
  response.mutable_session()->set_state(ses::SESSION_STATE_OPEN);
  const Route& route = *Find("GET", "/v1/tenants/acme/sessions/s-1").route;
  absl::StatusOr<std::string> json = transcoder_->ResponseJson(route, response.SerializeAsString());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json,
            R"({"session":{"name":"tenants/acme/sessions/s-1","state":"SESSION_STATE_OPEN"}})");
}

}  // namespace
}  // namespace lagom::gateway
