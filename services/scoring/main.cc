// lagom-scoring: stateless scoring of sessions and supplied responses. Flags and wiring only.
#include <memory>

#include "common/config.h"
#include "common/log.h"
#include "common/auth/service_auth.h"
#include "common/server_flags.h"
#include "services/scoring/scoring_service.h"

int main(int argc, char** argv) {
  lagom::ParseCommandLineOrDie(argc, argv, "lagom-scoring: explainable assessment scores");
  lagom::InitLogging("scoring");
  lagom::ServerOptions options = lagom::ServerOptionsFromFlags("scoring");

  std::unique_ptr<lagom::auth::ServiceAuth> auth =
      lagom::auth::RemoteServiceAuthOrDie("scoring", /*invites=*/nullptr);
  lagom::scoring::ScoringServiceImpl scoring_service(*auth->guard);
  std::unique_ptr<lagom::Server> server = lagom::StartServerOrDie(options, {&scoring_service});
  return server->WaitForShutdownSignal();
}
