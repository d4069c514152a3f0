// lagom-scoring: stateless scoring of sessions and supplied responses. Flags and wiring only.
#include <grpcpp/create_channel.h>

#include <memory>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "common/auth/service_auth.h"
#include "common/channel.h"
#include "common/config.h"
#include "common/executor.h"
#include "common/log.h"
#include "common/server_flags.h"
#include "services/scoring/remote_sources.h"
#include "services/scoring/scoring_service.h"

ABSL_FLAG(std::string, session_addr, "",
          "Session service HOST:PORT, where sessions and their answers are read");
ABSL_FLAG(std::string, reporting_addr, "",
          "Reporting service HOST:PORT, where closed sessions' scorecards are recorded");
ABSL_DECLARE_FLAG(std::string, questionnaire_addr);

namespace {

// A channel to `address`, or null (with a warning) when the flag is empty: the RPCs that need
// that service then say which flag is missing.
std::shared_ptr<grpc::Channel> ChannelOrNull(const std::string& address, const char* flag) {
  if (address.empty()) {
    lagom::LogWarn("a service address is not set; calls that need that service will fail",
                   {{"flag", flag}});
    return nullptr;
  }
  return lagom::ServiceChannelOrDie("scoring", flag, address);
}

}  // namespace

int main(int argc, char** argv) {
  lagom::ParseCommandLineOrDie(argc, argv, "lagom-scoring: explainable assessment scores");
  lagom::InitLogging("scoring");
  lagom::ServerOptions options = lagom::ServerOptionsFromFlags("scoring");
  // ScoreResponses takes up to 100 000 answers with an inline model.
  options.max_message_bytes = lagom::kMaxMessageBytes;

  std::unique_ptr<lagom::auth::ServiceAuth> auth =
      lagom::auth::RemoteServiceAuthOrDie("scoring", /*invites=*/nullptr);
  lagom::Executor executor(lagom::ExecutorThreadsFromFlags("scoring"));
  lagom::scoring::RemoteSessionReader sessions(
      ChannelOrNull(absl::GetFlag(FLAGS_session_addr), "session_addr"), auth->service_token);
  lagom::scoring::RemoteQuestionnaireReader models(
      lagom::ServiceChannelOrDie("scoring", "questionnaire_addr",
                                 absl::GetFlag(FLAGS_questionnaire_addr)),
      auth->service_token);
  lagom::scoring::RemoteScorecardRecorder scorecards(
      ChannelOrNull(absl::GetFlag(FLAGS_reporting_addr), "reporting_addr"), auth->service_token);
  lagom::scoring::ScoringRpcCore core(sessions, models, scorecards);
  lagom::scoring::ScoringServiceImpl scoring_service(*auth->guard, executor, core);
  std::unique_ptr<lagom::Server> server = lagom::StartServerOrDie(options, {&scoring_service});
  return server->WaitForShutdownSignal();
}
