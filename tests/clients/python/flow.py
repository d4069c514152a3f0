#!/usr/bin/python3
"""A whole Lagom assessment from Python, through the public gRPC API only.

Runs against a running stack named by the environment:
  LAGOM_QUESTIONNAIRE_ADDR, LAGOM_SESSION_ADDR, LAGOM_REPORTING_ADDR  host:port, plaintext
  LAGOM_API_KEY      a tenant admin's key (lgm_<tenant>.<secret>), sent as a bearer token
  LAGOM_GOOGLEAPIS_DIR  optional: where google/api/*.proto are
                        (default: node_modules/google-proto-files of this checkout)

Uses Debian's python3-grpcio and python3-protobuf. The stubs are generated at start-up with
protoc and grpc_python_plugin into a temporary directory, so they always match proto/ and the
protobuf runtime they are loaded by. Prints one line per step; exits 1 with the failing step
and the server's status on any failure.
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import uuid

# A pyenv or virtualenv python3 earlier on PATH does not see Debian's packages: use Debian's.
try:
    import grpc  # noqa: F401
except ImportError:
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists(
        "/usr/bin/python3"
    ):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    sys.exit("flow.py: the grpc module is missing: apt-get install python3-grpcio python3-protobuf")
import grpc

ROOT = pathlib.Path(__file__).resolve().parents[3]
MODEL_VERSION = "models/lagom-itsm/versions/1"
AREA = "catalogue"
PROVIDER_ITEM = "catalogue.services.provider"
CUSTOMER_ITEM = "catalogue.services.customer"
SCORECARD_WAIT_SECONDS = 30
# Round robin over every replica an address names, skipping those grpc.health.v1 reports
# NOT_SERVING (client-side health checking), and UNAVAILABLE retried on another: the service
# config Lagom's services use between themselves (common/channel.cc, docs/operations.md).
SERVICE_CONFIG = {
    "loadBalancingConfig": [{"round_robin": {}}],
    "healthCheckConfig": {"serviceName": ""},
    "methodConfig": [{"name": [{}], "retryPolicy": {
        "maxAttempts": 5, "initialBackoff": "0.05s", "maxBackoff": "1s", "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]}}],
}


class Failure(Exception):
    pass


# --- stubs -------------------------------------------------------------------------------------

IMPORT = re.compile(r'^import\s+(?:public\s+|weak\s+)?"([^"]+)";', re.M)


def proto_closure(roots, include_dirs):
    """Every .proto the roots import, transitively, except protoc's own well-known types."""
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name.startswith("google/protobuf/"):
            continue
        path = next((d / name for d in include_dirs if (d / name).is_file()), None)
        if path is None:
            raise Failure(f"stubs: {name} not found in {', '.join(map(str, include_dirs))}")
        seen.add(name)
        todo.extend(IMPORT.findall(path.read_text(encoding="utf-8")))
    return sorted(seen)


def generate_stubs(out_dir):
    googleapis = pathlib.Path(
        os.environ.get("LAGOM_GOOGLEAPIS_DIR", ROOT / "node_modules" / "google-proto-files")
    )
    if not (googleapis / "google" / "api" / "annotations.proto").is_file():
        raise Failure(f"stubs: no google/api protos in {googleapis} (run npm ci in {ROOT})")
    plugin = "/usr/bin/grpc_python_plugin"
    proto_dir = ROOT / "proto"
    roots = [str(p.relative_to(proto_dir)) for p in sorted(proto_dir.rglob("*.proto"))]
    files = proto_closure(roots, [proto_dir, googleapis])
    cmd = [
        "protoc", f"-I{proto_dir}", f"-I{googleapis}", f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}", f"--plugin=protoc-gen-grpc_python={plugin}", *files,
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:
        raise Failure("stubs: protoc not found (apt-get install protobuf-compiler)")
    if done.returncode != 0:
        raise Failure(f"stubs: protoc failed: {done.stderr.strip()}")
    return len(files)


# --- calls -------------------------------------------------------------------------------------


def env(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise Failure(f"{name} is not set (source the stack's .lagom/stack.env)")
    return value


def tenant_of(api_key):
    m = re.match(r"lgm_([^.]+)\.", api_key)
    if not m:
        raise Failure("LAGOM_API_KEY does not look like lgm_<tenant>.<secret>")
    return m.group(1)


class Flow:
    def __init__(self, api_key):
        self.admin = (("authorization", f"Bearer {api_key}"),)
        self.step_count = 0

    def step(self, text):
        self.step_count += 1
        print(f"[py] {self.step_count:2d}. {text}", flush=True)

    @staticmethod
    def call(what, rpc, request, metadata):
        try:
            return rpc(request, metadata=metadata, timeout=10)
        except grpc.RpcError as e:
            raise Failure(f"{what} failed: {e.code().name}: {e.details()}") from None

    @staticmethod
    def refused(what, rpc, request, metadata, code):
        try:
            rpc(request, metadata=metadata, timeout=10)
        except grpc.RpcError as e:
            if e.code() != code:
                raise Failure(f"{what}: expected {code.name}, got {e.code().name}: {e.details()}")
            return e.details()
        raise Failure(f"{what}: expected {code.name}, but the call succeeded")


def run():
    started = time.monotonic()
    api_key = env("LAGOM_API_KEY")
    tenant = tenant_of(api_key)
    addrs = {s: env(f"LAGOM_{s.upper()}_ADDR") for s in ("questionnaire", "session", "reporting")}
    parent = f"tenants/{tenant}"
    run_id = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]

    with tempfile.TemporaryDirectory(prefix="lagom-py-stubs-") as stubs:
        count = generate_stubs(stubs)
        sys.path.insert(0, stubs)
        import google.protobuf
        from lagom.catalog.v1 import catalog_pb2 as cat, catalog_pb2_grpc as cat_grpc
        from lagom.questionnaire.v1 import model_pb2 as model
        from lagom.questionnaire.v1 import questionnaire_pb2 as qn, questionnaire_pb2_grpc as qn_grpc
        from lagom.reporting.v1 import reporting_pb2 as rep, reporting_pb2_grpc as rep_grpc
        from lagom.session.v1 import resources_pb2 as res
        from lagom.session.v1 import session_pb2 as ses, session_pb2_grpc as ses_grpc
        from lagom.type.v1 import assessment_pb2 as typ

        f = Flow(api_key)
        f.step(f"stubs: {count} protos generated with {subprocess.run(['protoc', '--version'], capture_output=True, text=True).stdout.strip()}, "
               f"loaded by protobuf {google.protobuf.__version__}, grpcio {grpc.__version__}")

        # An address may list several replicas ("ipv4:IP:PORT,IP:PORT"): spread the calls over
        # them and retry UNAVAILABLE on another, as Lagom's own services do.
        def channel(addr):
            return grpc.insecure_channel(addr, options=[
                ("grpc.service_config", json.dumps(SERVICE_CONFIG)), ("grpc.enable_retries", 1)])

        questionnaire = channel(addrs["questionnaire"])
        catalog = cat_grpc.CatalogServiceStub(questionnaire)
        models = qn_grpc.QuestionnaireServiceStub(questionnaire)
        sessions = ses_grpc.SessionServiceStub(channel(addrs["session"]))
        reporting = rep_grpc.ReportingServiceStub(channel(addrs["reporting"]))
        admin = f.admin

        org_id = f"client-py-{run_id}"
        org = f.call("CreateCustomerOrganization", catalog.CreateCustomerOrganization,
                     cat.CreateCustomerOrganizationRequest(
                         parent=parent, customer_organization_id=org_id,
                         request_id=str(uuid.uuid4()),
                         customer_organization=cat.CustomerOrganization(
                             display_name=f"Python client {run_id}")), admin).customer_organization
        f.step(f"customer organisation {org.name}")

        version = f.call("GetModelVersion", models.GetModelVersion,
                         qn.GetModelVersionRequest(name=MODEL_VERSION), admin).model_version
        area = next((a for a in version.content.areas if a.id == AREA), None)
        if area is None:
            raise Failure(f"{MODEL_VERSION} has no area {AREA}")
        provider_items = [i for i in area.items if i.perspective == model.ITEM_PERSPECTIVE_PROVIDER
                          and i.scale == model.SCALE_MATURITY_0_5]
        customer_items = [i for i in area.items if i.perspective == model.ITEM_PERSPECTIVE_CUSTOMER
                          and i.scale == model.SCALE_LIKERT_5
                          and i.servqual_aspect != model.SERVQUAL_ASPECT_BOTH]
        for wanted, items in ((PROVIDER_ITEM, provider_items), (CUSTOMER_ITEM, customer_items)):
            if wanted not in [i.id for i in items]:
                raise Failure(f"{MODEL_VERSION}: {wanted} is not among its {AREA} items of that perspective and scale")
        f.step(f"model {version.name} ({version.content_hash[:19]}): area {AREA} has "
               f"{len(provider_items)} provider (maturity 0-5) and {len(customer_items)} customer (Likert 1-5) items")

        session = f.call("CreateSession", sessions.CreateSession, ses.CreateSessionRequest(
            parent=parent, request_id=str(uuid.uuid4()),
            session=res.Session(title=f"Python client flow {run_id}", model_version=MODEL_VERSION,
                                scope=res.SessionScope(customer_organizations=[org.name]))),
            admin).session
        f.step(f"session {session.name} created ({res.SessionState.Name(session.state)})")
        session = f.call("OpenSession", sessions.OpenSession, ses.OpenSessionRequest(
            name=session.name, request_id=str(uuid.uuid4())), admin).session
        if session.state != res.SESSION_STATE_OPEN:
            raise Failure(f"OpenSession returned state {res.SessionState.Name(session.state)}")
        f.step(f"session opened ({res.SessionState.Name(session.state)}, model {session.model_content_hash[:19]})")

        respondents = [
            ("provider", res.Participant(display_name="Python provider",
                                         perspective=res.PARTICIPANT_PERSPECTIVE_PROVIDER),
             provider_items[:3], lambda n: float(2 + n % 4)),
            ("customer", res.Participant(display_name="Python customer",
                                         perspective=res.PARTICIPANT_PERSPECTIVE_CUSTOMER,
                                         customer_organization=org.name),
             customer_items[:3], lambda n: float(3 + n % 3)),
        ]
        tokens = {}
        for role, participant, _, _ in respondents:
            p = f.call(f"CreateParticipant ({role})", sessions.CreateParticipant,
                       ses.CreateParticipantRequest(parent=session.name, participant=participant,
                                                    request_id=str(uuid.uuid4())), admin).participant
            inv = f.call(f"CreateInvitation ({role})", sessions.CreateInvitation,
                         ses.CreateInvitationRequest(parent=session.name, request_id=str(uuid.uuid4()),
                                                     invitation=res.Invitation(participant=p.name)), admin)
            if not inv.token:
                raise Failure(f"CreateInvitation ({role}) returned no token")
            tokens[role] = (p.name, inv.token)
            f.step(f"{role} participant {p.name} invited ({inv.invitation.token_prefix}...)")

        for role, _, items, value_of in respondents:
            name, token = tokens[role]
            as_respondent = (("x-lagom-invite-token", token),)
            accepted = f.call(f"AcceptInvitation ({role})", sessions.AcceptInvitation,
                              ses.AcceptInvitationRequest(token=token), as_respondent)
            if accepted.participant.name != name:
                raise Failure(f"AcceptInvitation ({role}) returned participant {accepted.participant.name}, not {name}")
            for n, item in enumerate(items):
                answer = f.call(f"SubmitAnswer ({role}, {item.id})", sessions.SubmitAnswer,
                                ses.SubmitAnswerRequest(parent=name, request_id=str(uuid.uuid4()),
                                                        answer=res.Answer(item_id=item.id, value=value_of(n))),
                                as_respondent).answer
                if answer.value != value_of(n):
                    raise Failure(f"SubmitAnswer ({role}, {item.id}) stored {answer.value}, sent {value_of(n)}")
            f.step(f"{role} answered {', '.join(f'{i.id}={value_of(n):g}' for n, i in enumerate(items))}")
            why = f.refused(f"SubmitAnswer ({role}, {items[0].id}=9)", sessions.SubmitAnswer,
                            ses.SubmitAnswerRequest(parent=name, request_id=str(uuid.uuid4()),
                                                    answer=res.Answer(item_id=items[0].id, value=9)),
                            as_respondent, grpc.StatusCode.INVALID_ARGUMENT)
            kept = f.call(f"GetAnswer ({role}, {items[0].id})", sessions.GetAnswer,
                          ses.GetAnswerRequest(name=f"{name}/answers/{items[0].id}"), as_respondent).answer
            if kept.value != value_of(0):
                raise Failure(f"after the refused 9, {items[0].id} holds {kept.value}, not {value_of(0):g}")
            f.step(f"{role}'s {items[0].id}=9 refused with INVALID_ARGUMENT ({why}); {value_of(0):g} kept")
            f.call(f"CompleteParticipant ({role})", sessions.CompleteParticipant,
                   ses.CompleteParticipantRequest(name=name, request_id=str(uuid.uuid4())), as_respondent)

        session = f.call("CloseSession", sessions.CloseSession, ses.CloseSessionRequest(
            name=session.name, request_id=str(uuid.uuid4())), admin).session
        if session.state != res.SESSION_STATE_CLOSED:
            raise Failure(f"CloseSession returned state {res.SessionState.Name(session.state)}")
        f.step("session closed")

        deadline = time.monotonic() + SCORECARD_WAIT_SECONDS
        waited = time.monotonic()
        while True:
            listed = f.call("ListScorecards", reporting.ListScorecards, rep.ListScorecardsRequest(
                parent=parent, selector=rep.ScorecardSelector(session=session.name)), admin)
            if listed.scorecards:
                break
            if time.monotonic() > deadline:
                raise Failure(f"no scorecard for {session.name} {SCORECARD_WAIT_SECONDS} s after closing")
            time.sleep(0.25)
        card = listed.scorecards[0]
        f.step(f"scorecard {card.name} recorded {time.monotonic() - waited:.1f} s after closing")

        if not card.area_scores:  # in case listings ever come as summaries
            card = f.call("GetScorecard", reporting.GetScorecard,
                          rep.GetScorecardRequest(name=card.name), admin).scorecard
        scores = {}
        for s in card.area_scores:
            if s.area_id == AREA:
                scores[(s.group.kind, s.group.customer_organization)] = s
        figures = []
        for label, key in (("provider", (typ.RESPONSE_GROUP_KIND_PROVIDER, "")),
                           ("all customers", (typ.RESPONSE_GROUP_KIND_ALL_CUSTOMERS, "")),
                           (org.name, (typ.RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION, org.name))):
            s = scores.get(key)
            if s is None:
                have = [f"{typ.ResponseGroupKind.Name(k)} {o}".strip() for k, o in scores]
                raise Failure(f"scorecard has no {AREA} score for {label}; it has: {have or 'none'}")
            if s.answered_item_count < 1:
                raise Failure(f"{AREA} score for {label} counts {s.answered_item_count} answered items")
            figures.append(f"{label} {s.score:.2f} ({s.answered_item_count} items)")
        f.step(f"area {AREA}: " + "; ".join(figures))

        report = f.call("RenderReport", reporting.RenderReport, rep.RenderReportRequest(
            scorecard=card.name, format=rep.REPORT_FORMAT_HTML,
            audience=rep.REPORT_AUDIENCE_PROVIDER), admin)
        html = report.content.decode("utf-8", errors="replace")
        if not (html.lstrip().startswith("<!DOCTYPE html") or 'id="summary"' in html):
            raise Failure(f"RenderReport returned no HTML report: {html[:80]!r}")
        f.step(f"report rendered: {report.filename or '(no filename)'}, {report.content_type}, {len(report.content)} bytes")

        export = f.call("ExportScorecard", reporting.ExportScorecard, rep.ExportScorecardRequest(
            name=card.name, format=rep.EXPORT_FORMAT_CSV), admin)
        csv = export.content.decode("utf-8", errors="replace")
        lines = csv.splitlines()
        if len(lines) < 2 or AREA not in csv:
            raise Failure(f"ExportScorecard CSV has {len(lines)} lines and no {AREA} row")
        f.step(f"scorecard exported: {export.filename or '(no filename)'}, {export.content_type}, "
               f"{len(lines)} lines, header {lines[0][:60]!r}")
        print(f"[py] flow passed in {time.monotonic() - started:.1f} s", flush=True)


def main():
    try:
        run()
    except Failure as e:
        print(f"[py] FAILED: {e}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
