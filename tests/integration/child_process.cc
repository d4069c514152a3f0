#include "tests/integration/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace lagom::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::Start(const std::string& binary,
                                                 const std::vector<std::string>& args,
                                                 const std::string& scratch_dir,
                                                 bool address_file_flag) {
  static int counter = 0;
  const std::string base = absl::StrCat(scratch_dir, "/child-", getpid(), "-", ++counter);
  const std::string stderr_file = base + ".stderr";
  const std::string address_file = base + ".addr";
  unlink(address_file.c_str());

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  if (address_file_flag) argv_storage.push_back(absl::StrCat("--address_file=", address_file));
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    return absl::InternalError(absl::StrCat("cannot start ", binary, ": ", strerror(rc)));
  return ChildProcess(pid, stderr_file, address_file);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_),
      stderr_file_(std::move(other.stderr_file_)),
      address_file_(std::move(other.address_file_)),
      exited_(other.exited_) {
  other.exited_ = true;
}

ChildProcess::~ChildProcess() {
  if (exited_) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

void ChildProcess::Signal(int signal) const {
  if (!exited_) kill(pid_, signal);
}

std::optional<int> ChildProcess::WaitForExit(absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!exited_) {
    int status = 0;
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exited_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (absl::Now() > give_up) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(20));  // polling a child process: nothing to block on
  }
  return std::nullopt;
}

absl::StatusOr<std::string> ChildProcess::WaitForAddress(absl::Duration timeout) const {
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    std::string address(absl::StripAsciiWhitespace(ReadFile(address_file_)));
    if (!address.empty()) return address;
    // A child that exited writes nothing more: say so at once (it stays to be reaped).
    siginfo_t info{};
    if (!exited_ && waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid_) {
      return absl::UnavailableError(
          absl::StrCat("exited before it was listening; stderr: ", Stderr()));
    }
    absl::SleepFor(absl::Milliseconds(20));  // polling another process's file
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "no address written within ", absl::FormatDuration(timeout), "; stderr: ", Stderr()));
}

std::string ChildProcess::Stderr() const { return ReadFile(stderr_file_); }

}  // namespace lagom::testing
