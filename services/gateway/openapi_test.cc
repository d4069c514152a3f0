// The OpenAPI document: what it says about a route, and that docs/openapi.json is what the
// protos produce now (a proto change without regenerating the document fails here).
#include "services/gateway/openapi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "services/gateway/api_descriptors.h"

namespace lagom::gateway {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

class OpenApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<Transcoder>> transcoder = ApiTranscoder();
    ASSERT_TRUE(transcoder.ok()) << transcoder.status();
    document_ = new std::string(OpenApiDocument(**transcoder));
    routes_ = static_cast<int>((*transcoder)->routes().size());
  }
  static void TearDownTestSuite() { delete document_; }

  static std::string* document_;
  static int routes_;
};

std::string* OpenApiTest::document_ = nullptr;
int OpenApiTest::routes_ = 0;

TEST_F(OpenApiTest, TheCheckedInDocumentIsWhatTheProtosProduce) {
  std::ifstream in(LAGOM_OPENAPI_JSON);
  std::stringstream checked_in;
  checked_in << in.rdbuf();
  EXPECT_TRUE(checked_in.str() == *document_)
      << "docs/openapi.json differs from what the protos produce: regenerate it with "
         "'cmake --build build --target openapi' and commit it";
}

TEST_F(OpenApiTest, EveryRouteIsAnOperationWithItsParametersAndSchemas) {
  const Json doc = Json::parse(*document_);
  int operations = 0;
  for (const auto& [path, methods] : doc["paths"].items()) operations += methods.size();
  EXPECT_EQ(operations, routes_);

  const Json& close = doc["paths"]["/v1/tenants/{tenant}/sessions/{session}:close"]["post"];
  EXPECT_EQ(close["operationId"], "SessionService_CloseSession");
  EXPECT_EQ(close["parameters"][0]["name"], "tenant");
  EXPECT_EQ(close["parameters"][1]["name"], "session");
  EXPECT_THAT(close["parameters"][1]["description"].get<std::string>(),
              HasSubstr("`name` (`tenants/*/sessions/{session}`)"));
  EXPECT_EQ(close["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/lagom.session.v1.CloseSessionRequest");
  EXPECT_EQ(close["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/google.rpc.Status");

  const Json& list = doc["paths"]["/v1/tenants/{tenant}/sessions"]["get"];
  std::vector<std::string> names;
  for (const Json& p : list["parameters"]) names.push_back(p["name"]);
  EXPECT_THAT(names,
              ::testing::ElementsAre("tenant", "pageSize", "pageToken", "filter", "orderBy"));

  // Additional bindings are operations of their own.
  EXPECT_EQ(doc["paths"]["/v1/models/{model}/versions/{version}"]["get"]["operationId"],
            "QuestionnaireService_GetModelVersion_2");
  // Streams are newline-delimited JSON.
  EXPECT_TRUE(doc["paths"]["/v1/tenants/{tenant}/sessions/{session}:watch"]["get"]["responses"]
                 ["200"]["content"]
                     .contains("application/x-ndjson"));
}

TEST_F(OpenApiTest, SchemasCarryTheProtoCommentsAndTheJsonMapping) {
  const Json doc = Json::parse(*document_);
  const Json& session = doc["components"]["schemas"]["lagom.session.v1.Session"];
  EXPECT_FALSE(session["description"].get<std::string>().empty());
  EXPECT_TRUE(session["properties"].contains("modelVersion"));
  EXPECT_EQ(session["properties"]["createTime"]["format"], "date-time");
  EXPECT_EQ(doc["components"]["schemas"]["lagom.session.v1.SessionState"]["enum"][0],
            "SESSION_STATE_UNSPECIFIED");
  EXPECT_TRUE(doc["components"]["schemas"].contains("google.rpc.Status"));
}

TEST(SingularTest, NamesOneElementOfACollection) {
  EXPECT_EQ(Singular("sessions"), "session");
  EXPECT_EQ(Singular("customerOrganizations"), "customerOrganization");
  EXPECT_EQ(Singular("policies"), "policy");
  EXPECT_EQ(Singular("data"), "dataId");
}

}  // namespace
}  // namespace lagom::gateway
