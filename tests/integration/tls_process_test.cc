// Transport security on the service binaries: with a certificate and a client CA a service
// speaks mutual TLS only (no plaintext, no client without a certificate), services call each
// other over mTLS, and without a certificate a service refuses to start unless plaintext is
// explicitly allowed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/testing/byte_service.h"
#include "common/testing/integration.h"
#include "tests/integration/lagom_processes.h"
#include "tools/lagomctl/probe.h"

namespace lagom::testing {
namespace {

using ::testing::HasSubstr;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// A private CA and a certificate for 127.0.0.1 signed by it, made with the openssl tool.
struct Pki {
  std::string dir, ca, cert, key;
};

Pki MakePki() {
  Pki pki;
  pki.dir = absl::StrCat(ScratchDir(), "/lagom-pki-", getpid());
  pki.ca = pki.dir + "/ca.pem";
  pki.cert = pki.dir + "/service.pem";
  pki.key = pki.dir + "/service.key";
  const std::string script = absl::StrCat(
      "set -e; mkdir -p ", pki.dir, "; cd ", pki.dir,
      "; openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1"
      " -subj /CN=lagom-test-ca 2>/dev/null"
      "; openssl req -newkey rsa:2048 -nodes -keyout service.key -out service.csr"
      " -subj /CN=lagom-service 2>/dev/null"
      "; printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,"
      "clientAuth\\n' > ext.cnf"
      "; openssl x509 -req -in service.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
      " -out service.pem -days 1 -extfile ext.cnf 2>/dev/null");
  EXPECT_EQ(std::system(script.c_str()), 0) << "openssl could not make test certificates";
  return pki;
}

std::vector<std::string> TlsArgs(const Pki& pki) {
  return {"--tls_cert_file=" + pki.cert, "--tls_key_file=" + pki.key,
          "--tls_client_ca_file=" + pki.ca};
}

std::vector<std::string> WithoutPlaintext(std::vector<std::string> args) {
  std::erase(args, "--allow_plaintext");
  return args;
}

std::shared_ptr<grpc::ChannelCredentials> Tls(const Pki& pki, bool with_client_cert) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = Read(pki.ca);
  if (with_client_cert) {
    options.pem_cert_chain = Read(pki.cert);
    options.pem_private_key = Read(pki.key);
  }
  return grpc::SslCredentials(options);
}

TEST(TlsProcessTest, MutualTlsOnlyAndBetweenServices) {
  const Pki pki = MakePki();
  std::vector<std::string> args = WithoutPlaintext(ServiceArgs(Questionnaire(), ""));
  for (const std::string& a : TlsArgs(pki)) args.push_back(a);
  absl::StatusOr<ChildProcess> q = ChildProcess::Start(Questionnaire().binary, args, ScratchDir());
  ASSERT_TRUE(q.ok()) << q.status();
  absl::StatusOr<std::string> address = q->WaitForAddress(absl::Seconds(20));
  ASSERT_TRUE(address.ok()) << address.status();

  EXPECT_TRUE(ctl::WaitForServing(*address, absl::Seconds(10), Tls(pki, true)).ok());
  EXPECT_FALSE(ctl::WaitForServing(*address, absl::Seconds(1), Tls(pki, false)).ok())
      << "a client without a certificate was served";
  EXPECT_FALSE(ctl::WaitForServing(*address, absl::Seconds(1)).ok()) << "plaintext was served";

  // The session service checks API keys with the questionnaire service over mTLS.
  auto q_channel = grpc::CreateChannel(*address, Tls(pki, true));
  absl::StatusOr<std::string> key = CreateTenant(*q_channel, UniqueTenantId("tls"));
  ASSERT_TRUE(key.ok()) << key.status();
  std::vector<std::string> session_args = WithoutPlaintext(ServiceArgs(Session(), *address));
  for (const std::string& a : TlsArgs(pki)) session_args.push_back(a);
  absl::StatusOr<ChildProcess> s =
      ChildProcess::Start(Session().binary, session_args, ScratchDir());
  ASSERT_TRUE(s.ok()) << s.status();
  absl::StatusOr<std::string> session_address = s->WaitForAddress(absl::Seconds(20));
  ASSERT_TRUE(session_address.ok()) << session_address.status();
  auto session = grpc::CreateChannel(*session_address, Tls(pki, true));
  grpc::ClientContext ctx;
  Authorize(ctx, *key);
  std::string reply;
  grpc::Status status =
      CallUnary(session.get(), "/lagom.session.v1.SessionService/ListSessions", &ctx, "", &reply);
  // Admitted over mTLS: the core refuses the empty request.
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
}

TEST(TlsProcessTest, NoCertificateAndNoPlaintextPermissionRefusesToStart) {
  std::vector<std::string> args = WithoutPlaintext(ServiceArgs(Scoring(), "127.0.0.1:1"));
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(Scoring().binary, args, ScratchDir());
  ASSERT_TRUE(child.ok()) << child.status();
  std::optional<int> exit_code = child->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit_code.has_value());
  EXPECT_EQ(*exit_code, 1);
  EXPECT_THAT(child->Stderr(), HasSubstr("--allow_plaintext"));
}

}  // namespace
}  // namespace lagom::testing
