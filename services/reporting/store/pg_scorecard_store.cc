#include "services/reporting/store/pg_scorecard_store.h"

#include <optional>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/pg_params.h"
#include "common/pg_quota.h"
#include "common/pg_transaction.h"

namespace lagom::reporting {
namespace {

// Timestamps travel as microseconds since the epoch, exactly, in both directions.
std::string Time(int param) {
  return absl::StrCat("(timestamptz 'epoch' + $", param, "::bigint * interval '1 microsecond')");
}
std::string Micros(absl::string_view column) {
  return absl::StrCat("(extract(epoch from ", column, ") * 1000000)::bigint");
}
std::optional<int64_t> Micros(const std::optional<absl::Time>& t) {
  if (!t) return std::nullopt;
  return absl::ToUnixMicros(*t);
}

// Enum values are stored by name without their type's prefix: "PROVIDER", "BELOW".
constexpr absl::string_view kGroupKindPrefix = "RESPONSE_GROUP_KIND_";
constexpr absl::string_view kStatusPrefix = "GOOD_ENOUGH_STATUS_";

template <typename Enum>
std::string EnumText(Enum value, absl::string_view prefix) {
  const auto* named = google::protobuf::GetEnumDescriptor<Enum>()->FindValueByNumber(value);
  return named == nullptr ? "" : std::string(absl::StripPrefix(named->name(), prefix));
}
template <typename Enum>
Enum EnumOf(const std::string& text, absl::string_view prefix) {
  const auto* named =
      google::protobuf::GetEnumDescriptor<Enum>()->FindValueByName(absl::StrCat(prefix, text));
  return named == nullptr ? Enum{} : static_cast<Enum>(named->number());
}

// Optional figures travel in text[] arrays, '' for none (quoted array elements cannot be
// NULL); %.17g keeps every bit of a double.
std::string OptionalNumber(const std::optional<double>& x) {
  return x ? absl::StrFormat("%.17g", *x) : "";
}
std::optional<double> OptionalDouble(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<double>();
}

// The selector's conditions. `s` is the scorecards table; `t` the table whose model and
// close_time columns to use (area_figures carries copies of them, so a trend's index range
// applies).
std::string FilterSql(absl::string_view t) {
  return absl::StrCat(" s.tenant_id = $1",
                      " AND ($2::text IS NULL OR s.customer_organizations @> ARRAY[$2::text])",
                      " AND ($3::text IS NULL OR s.services @> ARRAY[$3::text])",
                      " AND ($4::text IS NULL OR s.session = $4)",  //
                      " AND ($5::text IS NULL OR ", t, ".model = $5)",
                      " AND ($6::bigint IS NULL OR ", t, ".close_time >= ", Time(6), ")",
                      " AND ($7::bigint IS NULL OR ", t, ".close_time < ", Time(7), ")");
}

// A scorecard row: (scorecard_id, close_time, content_hash, bytes) with the bytes being the
// body or, for listings, the summary.
std::string RecordColumns(absl::string_view bytes_column) {
  return absl::StrCat("s.scorecard_id, ", Micros("s.close_time"), ", s.content_hash, s.",
                      bytes_column);
}
ScorecardRecord RecordFromRow(const pqxx::row& row, bool summary) {
  ScorecardRecord r;
  r.scorecard_id = row[0].as<std::string>();
  r.close_time = absl::FromUnixMicros(row[1].as<int64_t>());
  r.content_hash = row[2].as<std::string>();
  (summary ? r.summary : r.body) = pqxx::binarystring(row[3]).str();
  return r;
}

std::pair<absl::string_view, absl::string_view> TrendColumns(TrendValue value) {
  switch (value) {
    case TrendValue::kGapToTarget:
      return {"gap_to_target", "low_confidence"};
    case TrendValue::kPerceptionGap:
      return {"perception_gap", "perception_gap_low_confidence"};
    case TrendValue::kAreaScore:
      break;
  }
  return {"score", "low_confidence"};
}

// The areas of a trend, with their order: as asked ($10), or every area with figures of the
// group, found by skipping through the trend index one area at a time (a loose index scan: a
// few probes instead of reading every figure of the tenant). Both forms mention $10 so that
// its type is known either way.
constexpr char kAskedAreas[] =
    "areas(l, ord) AS (SELECT l, ord FROM unnest($10::text[]) WITH ORDINALITY AS x(l, ord))";
constexpr char kEveryArea[] =
    "seen(l) AS ("
    "  (SELECT area_lineage_id FROM reporting.area_figures"
    "   WHERE tenant_id = $1 AND group_kind = $8 AND customer_organization = $9"
    "   ORDER BY area_lineage_id LIMIT 1)"
    "  UNION ALL"
    "  SELECT (SELECT f.area_lineage_id FROM reporting.area_figures f"
    "          WHERE f.tenant_id = $1 AND f.group_kind = $8 AND f.customer_organization = $9"
    "            AND f.area_lineage_id > seen.l"
    "          ORDER BY f.area_lineage_id LIMIT 1)"
    "  FROM seen WHERE seen.l IS NOT NULL AND $10::text[] IS NULL),"
    " areas(l, ord) AS (SELECT l, row_number() OVER (ORDER BY l) FROM seen WHERE l IS NOT NULL)";

std::string TrendSql(const TrendQuery& q) {
  auto [value, low_confidence] = TrendColumns(q.value);
  return absl::StrCat(
      "WITH RECURSIVE ", q.area_lineage_ids.empty() ? kEveryArea : kAskedAreas,
      " SELECT a.l, p.area_id, p.scorecard_id, ", Micros("p.close_time"),
      ", p.model_version, p.v, p.lc FROM areas a CROSS JOIN LATERAL ("
      "  SELECT f.area_id, f.scorecard_id, f.close_time, f.model_version, f.",
      value, " AS v, f.", low_confidence,
      " AS lc FROM reporting.area_figures f JOIN reporting.scorecards s"
      "    ON s.tenant_id = f.tenant_id AND s.scorecard_id = f.scorecard_id"
      "  WHERE f.tenant_id = $1 AND f.group_kind = $8 AND f.customer_organization = $9"
      "    AND f.area_lineage_id = a.l AND f.",
      value, " IS NOT NULL AND", FilterSql("f"),
      "  ORDER BY f.close_time DESC, f.scorecard_id DESC LIMIT $11) p"
      " ORDER BY a.ord, p.close_time, p.scorecard_id");
}

class PgScorecardTransaction final : public ScorecardTransaction {
 public:
  PgScorecardTransaction(PgTransaction& tx, std::string tenant)
      : tx_(tx), tenant_(std::move(tenant)) {}

  absl::StatusOr<bool> TenantPurged() override {
    return tx_.exec("SELECT reporting.tenant_purged()")[0][0].as<bool>();
  }

  absl::StatusOr<std::pair<ScorecardRecord, bool>> InsertIfAbsent(
      const ScorecardRecord& r, const std::vector<AreaFigure>& figures) override {
    pqxx::result inserted = tx_.exec_params(
        absl::StrCat("INSERT INTO reporting.scorecards (tenant_id, scorecard_id, session, model,"
                     " model_version, content_hash, close_time, score_time, create_time, services,"
                     " customer_organizations, summary, body) VALUES ($1, $2, $3, $4, $5, $6, ",
                     Time(7), ", ", Time(8), ", ", Time(9),
                     ", $10::text[], $11::text[], $12, $13) ON CONFLICT DO NOTHING"),
        tenant_, r.scorecard_id, r.session, r.model, r.model_version, r.content_hash,
        absl::ToUnixMicros(r.close_time), Micros(r.score_time), absl::ToUnixMicros(r.create_time),
        PgArray(r.services), PgArray(r.customer_organizations), pqxx::binarystring(r.summary),
        pqxx::binarystring(r.body));
    if (inserted.affected_rows() == 1) {
      InsertFigures(r, figures);
      return std::make_pair(r, true);
    }
    // The session's scorecard was recorded first (or commits first, if that call was still
    // running: the unique key made this INSERT wait for it).
    pqxx::result existing = tx_.exec_params(
        absl::StrCat("SELECT ", RecordColumns("body"),
                     " FROM reporting.scorecards s WHERE s.tenant_id = $1 AND s.session = $2"),
        tenant_, r.session);
    if (existing.empty()) {
      return absl::AbortedError(
          absl::StrCat("scorecard id ", r.scorecard_id, " was taken concurrently; retry"));
    }
    return std::make_pair(RecordFromRow(existing[0], false), false);
  }

  absl::StatusOr<std::optional<ScorecardRecord>> Get(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", RecordColumns("body"),
                     " FROM reporting.scorecards s WHERE s.tenant_id = $1 AND s.scorecard_id = $2"),
        tenant_, id);
    if (rows.empty()) return std::nullopt;
    return RecordFromRow(rows[0], false);
  }

  absl::StatusOr<std::vector<ScorecardRecord>> List(const HistoryPageQuery& q) override {
    const char* order = q.newest_first ? "DESC" : "ASC";
    std::optional<int64_t> after_micros;
    std::optional<std::string> after_id;
    if (q.after) {
      after_micros = absl::ToUnixMicros(q.after->first);
      after_id = q.after->second;
    }
    const ScorecardFilter& f = q.filter;
    const char* column = q.summary_only ? "summary" : "body";
    const std::string in_order =
        absl::StrCat(" ORDER BY s.close_time ", order, ", s.scorecard_id ", order);
    // octet_length reads a stored value's size without fetching it.
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", RecordColumns(column), " FROM (SELECT s.*, coalesce(sum(",
                     "octet_length(s.", column, ")) OVER (", in_order,
                     " ROWS BETWEEN UNBOUNDED PRECEDING AND 2 PRECEDING), 0) AS read_before",
                     " FROM reporting.scorecards s WHERE", FilterSql("s"),
                     " AND ($8::bigint IS NULL OR (s.close_time, s.scorecard_id) ",
                     q.newest_first ? "<" : ">", " (", Time(8), ", $9::text))", in_order,
                     " LIMIT $10) s WHERE s.read_before < $11", in_order),
        tenant_, f.customer_organization, f.service, f.session, f.model, Micros(f.start_time),
        Micros(f.end_time), after_micros, after_id, q.limit, q.max_bytes);
    std::vector<ScorecardRecord> out;
    out.reserve(rows.size());
    for (const pqxx::row& row : rows) out.push_back(RecordFromRow(row, q.summary_only));
    return out;
  }

  absl::StatusOr<int> Count(const ScorecardFilter& f) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT count(*) FROM reporting.scorecards s WHERE", FilterSql("s")), tenant_,
        f.customer_organization, f.service, f.session, f.model, Micros(f.start_time),
        Micros(f.end_time));
    return rows[0][0].as<int>();
  }

  absl::StatusOr<std::vector<TrendRow>> Trend(const TrendQuery& q) override {
    const ScorecardFilter& f = q.filter;
    std::optional<std::string> areas;
    if (!q.area_lineage_ids.empty()) areas = PgArray(q.area_lineage_ids);
    pqxx::result rows = tx_.exec_params(
        TrendSql(q), tenant_, f.customer_organization, f.service, f.session, f.model,
        Micros(f.start_time), Micros(f.end_time), EnumText(q.group_kind, kGroupKindPrefix),
        q.customer_organization, areas, q.max_points);
    std::vector<TrendRow> out;
    out.reserve(rows.size());
    for (const pqxx::row& row : rows) {
      out.push_back(TrendRow{row[0].as<std::string>(), row[1].as<std::string>(),
                             row[2].as<std::string>(), absl::FromUnixMicros(row[3].as<int64_t>()),
                             row[4].as<std::string>(), row[5].as<double>(), row[6].as<bool>()});
    }
    return out;
  }

  absl::StatusOr<std::vector<AreaFigure>> Figures(const std::string& id) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT area_lineage_id, area_id, position, group_kind, customer_organization, score,"
        " low_confidence, gap_to_target, good_enough_status, perception_gap,"
        " perception_gap_low_confidence FROM reporting.area_figures"
        " WHERE tenant_id = $1 AND scorecard_id = $2"
        " ORDER BY position, group_kind, customer_organization",
        tenant_, id);
    std::vector<AreaFigure> out;
    out.reserve(rows.size());
    for (const pqxx::row& row : rows) {
      AreaFigure f;
      f.area_lineage_id = row[0].as<std::string>();
      f.area_id = row[1].as<std::string>();
      f.position = row[2].as<int>();
      f.group_kind = EnumOf<tapi::ResponseGroupKind>(row[3].as<std::string>(), kGroupKindPrefix);
      f.customer_organization = row[4].as<std::string>();
      f.score = OptionalDouble(row[5]);
      f.low_confidence = row[6].as<bool>();
      f.gap_to_target = OptionalDouble(row[7]);
      f.status = EnumOf<sapi::GoodEnoughStatus>(row[8].as<std::string>(), kStatusPrefix);
      f.perception_gap = OptionalDouble(row[9]);
      f.perception_gap_low_confidence = row[10].as<bool>();
      out.push_back(std::move(f));
    }
    return out;
  }

  absl::Status AddOutboxEvent(const OutboxEvent& e) override {
    tx_.exec_params(
        "INSERT INTO reporting.outbox (tenant_id, consumer, topic, scorecard_id, payload)"
        " VALUES ($1, 'webhooks', $2, $3, $4)",
        tenant_, e.topic, e.scorecard_id, pqxx::binarystring(e.payload));
    return absl::OkStatus();
  }

  absl::Status SetBenchmarkOptIn(bool opt_in, absl::Time seen_time) override {
    // Of two racing readings the later one stays.
    tx_.exec_params(
        absl::StrCat("INSERT INTO reporting.benchmark_participants (tenant_id, opt_in, seen_time)"
                     " VALUES ($1, $2, ",
                     Time(3),
                     ") ON CONFLICT (tenant_id) DO UPDATE"
                     " SET opt_in = EXCLUDED.opt_in, seen_time = EXCLUDED.seen_time"
                     " WHERE benchmark_participants.seen_time <= EXCLUDED.seen_time"),
        tenant_, opt_in, absl::ToUnixMicros(seen_time));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<IdempotentReply>> FindReply(const std::string& id) override {
    HoldRequestId(tx_, "reporting", tenant_, id);
    pqxx::result rows = tx_.exec_params(
        "SELECT method, request, reply, caller FROM reporting.idempotent_requests"
        " WHERE tenant_id = $1 AND request_id = $2",
        tenant_, id);
    if (rows.empty()) return std::nullopt;
    return IdempotentReply{rows[0][0].as<std::string>(), pqxx::binarystring(rows[0][1]).str(),
                           pqxx::binarystring(rows[0][2]).str(),
                           pqxx::binarystring(rows[0][3]).str()};
  }

  // A concurrent retry with the same request_id recorded the same scorecard: its reply stands.
  absl::Status RecordReply(const std::string& id, const IdempotentReply& reply) override {
    tx_.exec_params(
        "INSERT INTO reporting.idempotent_requests"
        " (tenant_id, request_id, method, request, reply, caller)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        tenant_, id, reply.method, pqxx::binarystring(reply.request),
        pqxx::binarystring(reply.reply), pqxx::binarystring(reply.caller));
    return absl::OkStatus();
  }

 private:
  // One statement for every figure of the scorecard: the rows travel as parallel arrays.
  void InsertFigures(const ScorecardRecord& r, const std::vector<AreaFigure>& figures) {
    if (figures.empty()) return;
    std::vector<std::string> lineages, areas, positions, kinds, organizations, scores, low, gaps,
        statuses, perception, perception_low;
    for (const AreaFigure& f : figures) {
      lineages.push_back(f.area_lineage_id);
      areas.push_back(f.area_id);
      positions.push_back(absl::StrCat(f.position));
      kinds.push_back(EnumText(f.group_kind, kGroupKindPrefix));
      organizations.push_back(f.customer_organization);
      scores.push_back(OptionalNumber(f.score));
      low.push_back(f.low_confidence ? "t" : "f");
      gaps.push_back(OptionalNumber(f.gap_to_target));
      statuses.push_back(EnumText(f.status, kStatusPrefix));
      perception.push_back(OptionalNumber(f.perception_gap));
      perception_low.push_back(f.perception_gap_low_confidence ? "t" : "f");
    }
    tx_.exec_params(
        absl::StrCat(
            "INSERT INTO reporting.area_figures (tenant_id, scorecard_id, area_lineage_id,"
            " area_id, position, group_kind, customer_organization, score, low_confidence,"
            " gap_to_target, good_enough_status, perception_gap, perception_gap_low_confidence,"
            " model, model_version, close_time, record_time)"
            " SELECT $1, $2, l, a, p, g, o, NULLIF(sc, '')::float8, lc, NULLIF(gt, '')::float8,"
            "   st, NULLIF(pg, '')::float8, plc, $3, $4, ",
            Time(5), ", ", Time(17),
            " FROM unnest($6::text[], $7::text[], $8::int[], $9::text[], $10::text[],"
            "   $11::text[], $12::bool[], $13::text[], $14::text[], $15::text[], $16::bool[])"
            "   AS x(l, a, p, g, o, sc, lc, gt, st, pg, plc)"),
        tenant_, r.scorecard_id, r.model, r.model_version, absl::ToUnixMicros(r.close_time),
        PgArray(lineages), PgArray(areas), PgArray(positions), PgArray(kinds),
        PgArray(organizations), PgArray(scores), PgArray(low), PgArray(gaps), PgArray(statuses),
        PgArray(perception), PgArray(perception_low), absl::ToUnixMicros(r.create_time));
  }

  PgTransaction& tx_;
  const std::string tenant_;
};

// Each opted-in tenant's latest figure per area (a peer's closed and recorded before the
// snapshot time); the tenant column leaves the database only as "is it the caller's".
constexpr char kBenchmarkSql[] =
    "SELECT area_lineage_id, score, tenant_id = $1 FROM ("
    "  SELECT DISTINCT ON (f.area_lineage_id, f.tenant_id) f.area_lineage_id, f.tenant_id,"
    "    f.score"
    "  FROM reporting.area_figures f JOIN reporting.benchmark_participants p"
    "    ON p.tenant_id = f.tenant_id AND p.opt_in"
    "  WHERE f.model = $2 AND f.group_kind = $3 AND f.customer_organization = ''"
    "    AND f.score IS NOT NULL"
    "    AND f.close_time >= (timestamptz 'epoch' + $4::bigint * interval '1 microsecond')"
    "    AND ($5::text[] IS NULL OR f.area_lineage_id = ANY ($5::text[]))"
    "    AND (f.tenant_id = $1"
    "      OR (f.close_time < (timestamptz 'epoch' + $6::bigint * interval '1 microsecond')"
    "        AND (f.record_time IS NULL"
    "          OR f.record_time < (timestamptz 'epoch' + $6::bigint * interval '1 microsecond'))))"
    "  ORDER BY f.area_lineage_id, f.tenant_id, f.close_time DESC, f.scorecard_id DESC"
    ") latest ORDER BY area_lineage_id";

}  // namespace

absl::Status PgScorecardStore::InTenant(
    const RequestContext& rc, const std::function<absl::Status(ScorecardTransaction&)>& fn) {
  return pool_.WithTenant(rc, [&](PgTransaction& tx) {
    PgScorecardTransaction scorecard_tx(tx, rc.tenant_id);
    return fn(scorecard_tx);
  });
}

absl::StatusOr<std::vector<BenchmarkSample>> PgScorecardStore::BenchmarkSamples(
    const std::string& caller_tenant, const BenchmarkQuery& q) {
  std::optional<std::string> areas;
  if (!q.area_lineage_ids.empty()) areas = PgArray(q.area_lineage_ids);
  std::vector<BenchmarkSample> out;
  absl::Status read = pool_.WithOperator([&](PgTransaction& tx) {
    pqxx::result rows = tx.exec_params(
        kBenchmarkSql, caller_tenant, q.model, EnumText(q.group_kind, kGroupKindPrefix),
        absl::ToUnixMicros(q.start_time), areas, absl::ToUnixMicros(q.snapshot_time));
    out.clear();
    for (const pqxx::row& row : rows) {
      const std::string lineage = row[0].as<std::string>();
      if (out.empty() || out.back().area_lineage_id != lineage) out.push_back({lineage, {}, {}});
      const double score = row[1].as<double>();
      if (row[2].as<bool>()) {
        out.back().own_score = score;
      } else {
        out.back().peer_scores.push_back(score);
      }
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  return out;
}

}  // namespace lagom::reporting
