#!/usr/bin/env bash
# A whole Lagom assessment with curl through the REST/JSON gateway: the walk-through of
# docs/rest.md, run as it stands there. Create a session on the built-in model, invite a provider
# and a customer respondent, answer from both perspectives, close, fetch the scorecard and the
# report.
#
# Needs LAGOM_GATEWAY_ADDR (host:port of lagom-gateway) and LAGOM_API_KEY (a tenant admin's key,
# lgm_<tenant>.<secret>); with a local stack:
#   set -a; source .lagom/stack.env; set +a; export LAGOM_API_KEY=$(cat .lagom/secrets/demo-admin.key)
# Uses curl and jq. Prints one line per step; exits 1 with the gateway's error on any failure.
set -euo pipefail

for var in LAGOM_GATEWAY_ADDR LAGOM_API_KEY; do
  [[ -n ${!var:-} ]] || { echo "[curl] $var is not set (source the stack's .lagom/stack.env)" >&2; exit 1; }
done
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "[curl] $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

GW=http://$LAGOM_GATEWAY_ADDR
KEY=$LAGOM_API_KEY
T=${KEY#lgm_}
T=${T%%.*}
RUN=$(date -u +%Y%m%d%H%M%S)-$RANDOM
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
n=0
step() { n=$((n + 1)); printf '[curl] %2d. %s\n' "$n" "$*"; }
fail() { echo "[curl] FAILED: $*" >&2; exit 1; }

# api METHOD PATH [BODY] [CURL ARGS...]: the gateway's JSON answer on stdout; on an HTTP error
# the google.rpc.Status it sent goes to stderr and the flow stops.
api() {
  local method=$1 path=$2 body=${3:-} status
  shift $(( $# < 3 ? $# : 3 ))
  local args=(-sS -o "$OUT/body" -w "%{http_code}" -X "$method")
  [[ -n $KEY ]] && args+=(-H "authorization: Bearer $KEY")
  [[ -n $body ]] && args+=(-H 'content-type: application/json' -d "$body")
  status=$(curl "${args[@]}" "$@" "$GW$path")
  [[ $status == 2* ]] || fail "$method $path: HTTP $status $(cat "$OUT/body")"
  cat "$OUT/body"
}

# decode_content: the base64 "content" of the rendered or exported file on stdin, decoded.
decode_content() { jq -er '.content | strings' | base64 -d; }

# expect_score WHAT GOT WANT: GOT, a catalogue score, is WANT (to rounding).
expect_score() {
  awk -v got="$2" -v want="$3" 'BEGIN { exit !(got != "" && got - want < 1e-9 && want - got < 1e-9) }' ||
    fail "$1: catalogue score '$2', expected $3"
}

# card_score KIND [ORGANIZATION]: the catalogue area's score for that group in the scorecard
# (RESPONSE_GROUP_KIND_ without its prefix); empty unless there is exactly one.
card_score() {
  jq -r --arg kind "RESPONSE_GROUP_KIND_$1" --arg org "${2:-}" '[.scorecard.areaScores[]?
    | select(.areaId == "catalogue" and .group.kind == $kind and (.group.customerOrganization // "") == $org)
    | .score] | if length == 1 then .[0] else empty end' "$OUT/card.json"
}

# csv_score GROUP: the same from the CSV export (group: provider, all_customers or the
# organisation's name).
csv_score() {
  awk -F, -v group="$1" '$1 == "area" && $2 == "catalogue" && $4 == group && $5 == "score" { n++; v = $6 }
    END { if (n == 1) print v }' "$OUT/scorecard.csv"
}

# --- the walk-through (docs/rest.md) --------------------------------------------------------

# 1. A customer organisation of the tenant.
ORG=$(api POST "/v1/tenants/$T/customerOrganizations?customerOrganizationId=curl-$RUN" \
  '{"displayName": "curl client AB"}' | jq -r .customerOrganization.name)
step "customer organisation $ORG"

# 2. The built-in model version (without its content, which is large).
MODEL=$(api GET "/v1/models/lagom-itsm/versions/1?skipContent=true" |
  jq -r '"\(.modelVersion.name) (\(.modelVersion.contentHash[0:19]))"')
step "model $MODEL"

# 3. A session on it, scoped to the organisation, then opened.
SESSION=$(api POST "/v1/tenants/$T/sessions?sessionId=curl-$RUN" \
  "{\"title\": \"curl flow $RUN\", \"modelVersion\": \"models/lagom-itsm/versions/1\",
    \"scope\": {\"customerOrganizations\": [\"$ORG\"]}}" | jq -r .session.name)
STATE=$(api POST "/v1/$SESSION:open" '{}' | jq -r .session.state)
[[ $STATE == SESSION_STATE_OPEN ]] || fail "$SESSION is $STATE after opening, not SESSION_STATE_OPEN"
step "session $SESSION opened ($STATE)"

# 4. A provider and a customer participant, each invited: the token is shown once.
PROVIDER=$(api POST "/v1/$SESSION/participants?participantId=provider" \
  '{"displayName": "curl provider", "perspective": "PARTICIPANT_PERSPECTIVE_PROVIDER"}' |
  jq -r .participant.name)
CUSTOMER=$(api POST "/v1/$SESSION/participants?participantId=customer" \
  "{\"displayName\": \"curl customer\", \"perspective\": \"PARTICIPANT_PERSPECTIVE_CUSTOMER\",
    \"customerOrganization\": \"$ORG\"}" | jq -r .participant.name)
PROVIDER_TOKEN=$(api POST "/v1/$SESSION/invitations" "{\"participant\": \"$PROVIDER\"}" | jq -r .token)
CUSTOMER_TOKEN=$(api POST "/v1/$SESSION/invitations" "{\"participant\": \"$CUSTOMER\"}" | jq -r .token)
step "invited $PROVIDER and $CUSTOMER"

# 5. Each respondent accepts and answers with their invite token (x-lagom-invite-token).
as_respondent() { local token=$1; shift; KEY= api "$@" -H "x-lagom-invite-token: $token"; }
as_respondent "$PROVIDER_TOKEN" POST /v1/invitations:accept "{\"token\": \"$PROVIDER_TOKEN\"}" >/dev/null
as_respondent "$PROVIDER_TOKEN" POST "/v1/$PROVIDER/answers:batchSubmit" \
  '{"answers": [{"itemId": "catalogue.services.provider", "value": 4},
                {"itemId": "catalogue.plain-language.provider", "value": 3}]}' >/dev/null
as_respondent "$CUSTOMER_TOKEN" POST /v1/invitations:accept "{\"token\": \"$CUSTOMER_TOKEN\"}" >/dev/null
as_respondent "$CUSTOMER_TOKEN" POST "/v1/$CUSTOMER/answers:submit" \
  '{"answer": {"itemId": "catalogue.services.customer", "value": 3}}' >/dev/null
step "provider and customer answered"

# 6. Out of scale: 400 with the field that is wrong.
STATUS=$(curl -sS -o "$OUT/refused" -w '%{http_code}' -X POST -H "x-lagom-invite-token: $CUSTOMER_TOKEN" \
  -H 'content-type: application/json' -d '{"answer": {"itemId": "catalogue.services.customer", "value": 9}}' \
  "$GW/v1/$CUSTOMER/answers:submit")
[[ $STATUS == 400 ]] || fail "value 9 answered HTTP $STATUS, not 400"
FIELDS=$(jq -r '[.details[]? | .fieldViolations[]?.field] | join(", ")' "$OUT/refused") ||
  fail "value 9 refused with a body that is not a JSON status: $(cat "$OUT/refused")"
[[ $FIELDS == answer.value ]] || fail "value 9 refused naming '$FIELDS', not answer.value: $(cat "$OUT/refused")"
step "value 9 refused: HTTP 400, $FIELDS"

# 7. Both complete; the facilitator closes the session.
as_respondent "$PROVIDER_TOKEN" POST "/v1/$PROVIDER:complete" '{}' >/dev/null
as_respondent "$CUSTOMER_TOKEN" POST "/v1/$CUSTOMER:complete" '{}' >/dev/null
STATE=$(api POST "/v1/$SESSION:close" '{}' | jq -r .session.state)
[[ $STATE == SESSION_STATE_CLOSED ]] || fail "$SESSION is $STATE after closing, not SESSION_STATE_CLOSED"
step "session closed ($STATE)"

# 8. The scorecard, recorded by the scoring service once the session closed.
for _ in $(seq 1 120); do
  CARD=$(api GET "/v1/tenants/$T/scorecards?selector.session=$SESSION" | jq -r '.scorecards[0].name // empty')
  [[ -n $CARD ]] && break
  sleep 0.25
done
[[ -n ${CARD:-} ]] || fail "no scorecard for $SESSION 30 s after closing"
api GET "/v1/$CARD" >"$OUT/card.json"
SCORES=$(jq -r '.scorecard.areaScores[]? | select(.areaId == "catalogue")
  | "area catalogue, \(.group.kind | sub("RESPONSE_GROUP_KIND_"; ""))\(if .group.customerOrganization then " " + .group.customerOrganization else "" end): \(.score * 100 | round / 100)"' "$OUT/card.json") ||
  fail "scorecard $CARD has a catalogue area score without a score: $(cat "$OUT/card.json")"
step "scorecard $CARD"
while read -r line; do step "$line"; done <<<"$SCORES"
# What the answers make of the catalogue area (the built-in model weighs services 1.5 and
# plain-language 1): the provider (1.5 × 4/5 + 1 × 3/5) / 2.5 = 0.72 on the 0–5 scale; the
# customers, and so their one organisation, (3 − 1) / 4 = 0.5 on the 1–5 scale.
expect_score "scorecard, provider" "$(card_score PROVIDER)" 0.72
expect_score "scorecard, all customers" "$(card_score ALL_CUSTOMERS)" 0.5
expect_score "scorecard, $ORG" "$(card_score CUSTOMER_ORGANIZATION "$ORG")" 0.5

# 9. The report (HTML, base64 in "content") and the CSV export.
api GET "/v1/$CARD:render?format=REPORT_FORMAT_HTML&audience=REPORT_AUDIENCE_PROVIDER" >"$OUT/rendered.json"
decode_content <"$OUT/rendered.json" >"$OUT/report.html" || fail "the report came without content: $(head -c 300 "$OUT/rendered.json")"
grep -q '<html' "$OUT/report.html" || fail "the report is not HTML"
step "report: $(wc -c <"$OUT/report.html") bytes of HTML"
api GET "/v1/$CARD:export?format=EXPORT_FORMAT_CSV" >"$OUT/exported.json"
decode_content <"$OUT/exported.json" | tr -d '\r' >"$OUT/scorecard.csv" ||
  fail "the CSV export came without content: $(head -c 300 "$OUT/exported.json")"
HEADER=$(head -n1 "$OUT/scorecard.csv")
[[ $HEADER == kind,area_id,item_id,group,metric,value ]] || fail "the CSV export's header is '$HEADER'"
# The export has the scorecard's figures: the catalogue scores above, one row each.
expect_score "CSV export, provider" "$(csv_score provider)" 0.72
expect_score "CSV export, all customers" "$(csv_score all_customers)" 0.5
expect_score "CSV export, $ORG" "$(csv_score "$ORG")" 0.5
step "scorecard CSV: $(wc -l <"$OUT/scorecard.csv") lines, header $HEADER"
echo "[curl] flow passed"
