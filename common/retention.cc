#include "common/retention.h"

#include <pqxx/pqxx>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/strings.h"

namespace lagom {

std::vector<RetentionRule> RetentionRules(std::string_view schema, bool with_outbox,
                                          absl::Duration kept_replies,
                                          absl::Duration delivered_events) {
  std::vector<RetentionRule> rules = {
      {absl::StrCat(ToAbsl(schema), ".idempotent_requests"), "create_time", kept_replies}};
  if (with_outbox) {
    rules.push_back({absl::StrCat(ToAbsl(schema), ".outbox"), "deliver_time", delivered_events});
  }
  return rules;
}

RetentionSweeper::RetentionSweeper(PgPool& pool, std::vector<RetentionRule> rules,
                                   RetentionOptions options)
    : pool_(pool), rules_(std::move(rules)), options_(options) {}

RetentionSweeper::~RetentionSweeper() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int64_t> RetentionSweeper::Sweep(const RetentionRule& rule) {
  // (Not FOR UPDATE SKIP LOCKED: that would need the tables' UPDATE policies and privilege
  // for the operator. Two replicas' sweeps of one chunk at once: the second waits for the
  // first's short transaction, then finds the rows gone.)
  const std::string sql = absl::StrCat(
      "DELETE FROM ", rule.table, " WHERE ctid = ANY(ARRAY(SELECT ctid FROM ", rule.table,
      " WHERE ", rule.time_column, " < now() - $1::bigint * interval '1 millisecond' LIMIT $2))");
  int64_t deleted = 0;
  for (;;) {
    int64_t chunk = 0;
    absl::Status s = pool_.WithOperator([&](PgTransaction& tx) {
      chunk =
          tx.exec_params(sql, absl::ToInt64Milliseconds(rule.keep), options_.chunk).affected_rows();
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    deleted += chunk;
    if (chunk < options_.chunk) return deleted;
    absl::MutexLock lock(&mu_);
    if (stop_) return deleted;
  }
}

absl::StatusOr<std::vector<int64_t>> RetentionSweeper::SweepOnce() {
  std::vector<int64_t> deleted;
  for (const RetentionRule& rule : rules_) {
    absl::StatusOr<int64_t> n = Sweep(rule);
    if (!n.ok()) {
      return absl::Status(n.status().code(),
                          absl::StrCat("retention of ", rule.table, ": ", n.status().message()));
    }
    deleted.push_back(*n);
  }
  return deleted;
}

void RetentionSweeper::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void RetentionSweeper::Loop() {
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  // The first sweep soon (a replica started after a long outage catches up), not with every
  // replica at once.
  absl::Duration wait = options_.every * jitter(random) / 10;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stop_), wait)) return;
    }
    wait = options_.every * jitter(random);
    absl::StatusOr<std::vector<int64_t>> deleted = SweepOnce();
    if (!deleted.ok()) {
      LogWarn("retention sweep failed; the next one tries again",
              {{"error", deleted.status().ToString()}});
      continue;
    }
    for (size_t i = 0; i < rules_.size(); ++i) {
      if ((*deleted)[i] > 0) {
        LogInfo("retention: expired rows deleted",
                {{"table", rules_[i].table}, {"rows", absl::StrCat((*deleted)[i])}});
      }
    }
  }
}

}  // namespace lagom
