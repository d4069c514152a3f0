// Micro-benchmarks of what every authenticated RPC pays before its handler runs (issue 3: auth
// may cost at most 10 % of SubmitAnswer's RPS). The pieces in call order, then the whole
// admission. Run: build/tools/bench/auth_bench
#include <benchmark/benchmark.h>
#include <grpcpp/server_context.h>
#include <grpcpp/test/server_context_test_spouse.h>

#include <string>

#include "absl/time/clock.h"
#include "common/auth/api_key.h"
#include "common/auth/permissions.h"
#include "tools/loadgen/auth_fixture.h"

namespace lagom::loadgen {
namespace {

using auth::Metadata;

// The metadata gRPC hands a handler for a call with an API key (plus a user agent and
// content type, which the authenticator has to skip over).
struct CallMetadata {
  explicit CallMetadata(const std::string& api_key)
      : authorization("Bearer " + api_key),
        map{{"authorization", authorization},
            {"content-type", "application/grpc"},
            {"user-agent", "grpc-c++/1.51.1 grpc-c/29.0.0 (linux; chttp2)"}} {}
  const std::string authorization;
  const Metadata map;
};

void BM_ApiKeyParseHashCompare(benchmark::State& state) {
  AuthStack stack;
  const auth::ApiKeyParts parts = *auth::ParseApiKey(stack.api_key());
  const std::string stored = auth::HashApiKeySecret(parts.secret);
  for (auto _ : state) {
    absl::StatusOr<auth::ApiKeyParts> parsed = auth::ParseApiKey(stack.api_key());
    const std::string presented = auth::HashApiKeySecret(parsed->secret);
    benchmark::DoNotOptimize(auth::SecretsEqual(presented, stored));
  }
}
BENCHMARK(BM_ApiKeyParseHashCompare);

void BM_HashApiKeySecret(benchmark::State& state) {
  const std::string secret = auth::GenerateApiKey("bench", "k").secret;
  for (auto _ : state) benchmark::DoNotOptimize(auth::HashApiKeySecret(secret));
}
BENCHMARK(BM_HashApiKeySecret);

// ParseApiKey + locked look-up + hash + compare + Principal copy: a cache hit.
void BM_VerifyApiKey(benchmark::State& state) {
  AuthStack stack;
  for (auto _ : state) benchmark::DoNotOptimize(stack.keys().VerifyApiKey(stack.api_key()));
}
BENCHMARK(BM_VerifyApiKey);

// The credential authenticator: find the header, parse the key, verify it, check the tenant.
void BM_Authenticate(benchmark::State& state) {
  AuthStack stack;
  const CallMetadata metadata(stack.api_key());
  for (auto _ : state) benchmark::DoNotOptimize(stack.authenticator().Authenticate(metadata.map));
}
BENCHMARK(BM_Authenticate);

// Permission table look-up, role check, tenant of `parent`, references in the answer.
void BM_AuthorizeSubmitAnswer(benchmark::State& state) {
  AuthStack stack;
  const session::v1::SubmitAnswerRequest request = SampleSubmitAnswer();
  for (auto _ : state) benchmark::DoNotOptimize(auth::Authorize(stack.principal(), request));
}
BENCHMARK(BM_AuthorizeSubmitAnswer);

void BM_RateLimiterAdmitCall(benchmark::State& state) {
  AuthStack stack;
  for (auto _ : state) {
    benchmark::DoNotOptimize(stack.limiter().AdmitCall(kBenchTenant, absl::Now()));
  }
}
BENCHMARK(BM_RateLimiterAdmitCall);
BENCHMARK(BM_RateLimiterAdmitCall)->Threads(2);

// Everything CallGuard does but reading the peer address.
void BM_CallGuardAdmitMetadata(benchmark::State& state) {
  AuthStack stack;
  const CallMetadata metadata(stack.api_key());
  const session::v1::SubmitAnswerRequest request = SampleSubmitAnswer();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        stack.call_guard().AdmitMetadata(metadata.map, absl::InfiniteFuture(), request));
  }
}
BENCHMARK(BM_CallGuardAdmitMetadata);

// The whole admission as HandleUnary calls it, on a ServerContext with injected metadata.
void BM_CallGuardAdmit(benchmark::State& state) {
  AuthStack stack;
  grpc::ServerContext ctx;
  grpc::testing::ServerContextTestSpouse spouse(&ctx);
  spouse.AddClientMetadata("authorization", "Bearer " + stack.api_key());
  spouse.AddClientMetadata("content-type", "application/grpc");
  spouse.AddClientMetadata("user-agent", "grpc-c++/1.51.1 grpc-c/29.0.0 (linux; chttp2)");
  const session::v1::SubmitAnswerRequest request = SampleSubmitAnswer();
  for (auto _ : state) benchmark::DoNotOptimize(stack.guard().Admit(ctx, request));
}
BENCHMARK(BM_CallGuardAdmit);

// The "no authentication" admitter loadgen compares against.
void BM_AdmitEverything(benchmark::State& state) {
  AdmitEverything admitter;
  grpc::ServerContext ctx;
  const session::v1::SubmitAnswerRequest request = SampleSubmitAnswer();
  for (auto _ : state) benchmark::DoNotOptimize(admitter.Admit(ctx, request));
}
BENCHMARK(BM_AdmitEverything);

}  // namespace
}  // namespace lagom::loadgen

BENCHMARK_MAIN();
