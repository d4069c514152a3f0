// A service binary started as a child process, the way tools/stack starts it, with its stderr
// captured to a file so a test can check what an operator would read.
#ifndef LAGOM_TESTS_INTEGRATION_CHILD_PROCESS_H_
#define LAGOM_TESTS_INTEGRATION_CHILD_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lagom::testing {

class ChildProcess final {
 public:
  // Lagom's binaries get --address_file=...; others (redis-server) pass `address_file` false.
  static absl::StatusOr<ChildProcess> Start(const std::string& binary,
                                            const std::vector<std::string>& args,
                                            const std::string& scratch_dir,
                                            bool address_file = true);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();  // SIGKILLs a child still running

  void Signal(int signal) const;
  // The exit code, or nullopt when it has not exited within `timeout` (128+N for signal N).
  std::optional<int> WaitForExit(absl::Duration timeout);
  // Polls for the --address_file the child writes once listening.
  absl::StatusOr<std::string> WaitForAddress(absl::Duration timeout) const;
  std::string Stderr() const;
  const std::string& address_file() const { return address_file_; }

 private:
  ChildProcess(pid_t pid, std::string stderr_file, std::string address_file)
      : pid_(pid), stderr_file_(std::move(stderr_file)), address_file_(std::move(address_file)) {}

  pid_t pid_;
  std::string stderr_file_;
  std::string address_file_;
  bool exited_ = false;
};

}  // namespace lagom::testing

#endif  // LAGOM_TESTS_INTEGRATION_CHILD_PROCESS_H_
