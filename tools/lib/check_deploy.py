#!/usr/bin/env python3
"""The Python half of tools/check-deploy: checks of the rendered manifests, the Helm chart's
values and the Dockerfiles that need the repository's own knowledge (which flags a binary has,
which service calls which, what CMake builds). tools/check-deploy renders and calls this.

Prints one line per problem ("<where>: <what>") and exits 1 if there are any.
"""
import argparse
import copy
import json
import pathlib
import re
import subprocess
import sys

import jsonschema
import yaml

SERVICES = ["questionnaire", "session", "scoring", "reporting"]
# The REST gateway: HTTP in front of the services, probed on GET /healthz, reached from the
# ingress controller's namespace; it holds no service token.
GATEWAY = "gateway"
BINARIES = SERVICES + [GATEWAY]
HEALTH_PATH = "/healthz"
# Secrets the manifests reference but do not contain (prod: made outside the repository), and
# the keys they must have.
SECRETS_BY_REFERENCE = {
    "lagom-postgres": {"url", "migrations-url"},
    "lagom-redis": {"addr"},
    "lagom-service-token": {"token"},
    "lagom-operator-token": {"token"},
    "lagom-gateway-tls": {"tls.crt", "tls.key"},
}
# Environment variables lagom-migrate reads itself (not flags of a binary).
MIGRATE_OWN_VARIABLES = {"LAGOM_MIGRATE_TIMEOUT"}
# Libraries of debian:bookworm-slim itself.
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}
# Build-stage packages that tools/bootstrap installs otherwise: Node.js only when there is no
# npm (it would conflict with Node builds that bundle theirs), certificates with the system.
BUILD_PACKAGES_BEYOND_BOOTSTRAP = {"nodejs", "npm", "ca-certificates"}
# Development packages of tools the images do not build: libFuzzer's runtime, and the Go
# packages of tools/chart-render.
DEV_PACKAGES_NOT_BUILT_INTO_IMAGES = ("libclang-rt-", "golang-")
ADDRESS_FLAGS = {f"LAGOM_{s.upper()}_ADDR": s for s in SERVICES}

problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def load_docs(path):
    return [d for d in yaml.safe_load_all(pathlib.Path(path).read_text()) if d]


def base_name(image):
    """lagom-session from registry.example.com/lagom/lagom-session:0.1.0."""
    return image.rsplit("/", 1)[-1].split(":")[0].split("@")[0]


def port_of(address):
    return int(address.rsplit(":", 1)[1])


# ---------------------------------------------------------------------------------------------
# What the repository says: flags of the binaries, services with PostgreSQL, CMake targets.

def binary_flags(build_dir, require):
    """Flags of each service binary and the gateway's, from its --help; None where it is not
    built."""
    flags = {}
    for svc in BINARIES:
        binary = build_dir / "services" / svc / f"lagom-{svc}"
        if not binary.exists():
            if require:
                problem(str(binary), "not built (the flag checks need it)")
            flags[svc] = None
            continue
        out = subprocess.run([str(binary), "--help"], capture_output=True, text=True,
                             check=True).stdout
        flags[svc] = set(re.findall(r"^  --(\w+) \(", out, re.M))
    return flags


def services_using(root, function):
    return {svc for svc in SERVICES
            if function in (root / "services" / svc / "main.cc").read_text()}


def cmake_executables(root):
    """CMake executable target -> the directory (below the repository) that defines it."""
    targets = {}
    for lists in root.glob("services/*/CMakeLists.txt"):
        for target in re.findall(r"add_executable\(\s*([\w-]+)", lists.read_text()):
            targets[target] = lists.parent.relative_to(root).as_posix()
    return targets


# ---------------------------------------------------------------------------------------------
# Rendered manifests.

def labels_match(selector, labels):
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        present, value = expr["key"] in labels, labels.get(expr["key"])
        op = expr["operator"]
        if (op == "In" and value not in expr["values"]) or \
                (op == "NotIn" and value in expr["values"]) or \
                (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True


class Rendering:
    """One rendered set of manifests (an overlay, or the chart with some values)."""

    def __init__(self, name, docs):
        self.name = name
        self.objects = {}
        for doc in docs:
            key = (doc["kind"], doc["metadata"]["name"])
            if key in self.objects:
                problem(name, f"{key[0]}/{key[1]} appears twice")
            self.objects[key] = doc

    def of_kind(self, kind):
        return [o for (k, _), o in sorted(self.objects.items()) if k == kind]

    def workloads(self):
        for kind in ("Deployment", "Job"):
            for obj in self.of_kind(kind):
                yield obj, obj["spec"]["template"]

    def env_of(self, where, container):
        """The container's environment: name -> value, or ('secret', name, key)."""
        env = {}
        for source in container.get("envFrom") or []:
            ref = source.get("configMapRef")
            if ref is None:
                problem(where, "envFrom other than a ConfigMap")
                continue
            config = self.objects.get(("ConfigMap", ref["name"]))
            if config is None:
                problem(where, f"envFrom names ConfigMap {ref['name']}, which is not rendered")
                continue
            env.update(config.get("data") or {})
        for var in container.get("env") or []:
            if "value" in var:
                env[var["name"]] = var["value"]
            else:
                ref = var["valueFrom"]["secretKeyRef"]
                self.check_secret(where, ref["name"], ref["key"])
                env[var["name"]] = ("secret", ref["name"], ref["key"])
        return env

    def check_secret(self, where, name, key=None):
        secret = self.objects.get(("Secret", name))
        keys = set((secret.get("data") or {}) | (secret.get("stringData") or {})) \
            if secret else SECRETS_BY_REFERENCE.get(name)
        if keys is None:
            problem(where, f"Secret {name} is neither rendered nor one referenced by name")
        elif key is not None and key not in keys:
            problem(where, f"Secret {name} has no key {key}")

    def allowed(self, direction, pod, peer, port):
        """Whether `direction` (ingress/egress) policies of `pod` allow traffic with `peer`."""
        pod_labels, pod_ports = pod
        peer_labels, peer_ports = peer
        kind = direction.capitalize()
        selecting = [p for p in self.of_kind("NetworkPolicy")
                     if kind in p["spec"].get("policyTypes", [])
                     and labels_match(p["spec"]["podSelector"], pod_labels)]
        if not selecting:
            return True
        # The port is the callee's: named ports resolve against its container ports.
        callee_ports = pod_ports if direction == "ingress" else peer_ports
        for policy in selecting:
            for rule in policy["spec"].get(direction) or []:
                peers = rule.get("from" if direction == "ingress" else "to") or []
                peer_ok = not peers or any(
                    "namespaceSelector" not in p and "ipBlock" not in p
                    and labels_match(p.get("podSelector"), peer_labels) for p in peers)
                ports = rule.get("ports") or []
                # A port entry without a port (protocol only) admits every port.
                port_ok = not ports or any(
                    "port" not in p or callee_ports.get(p["port"], p["port"]) == port
                    for p in ports)
                if peer_ok and port_ok:
                    return True
        return False


def check_security(where, pod_spec):
    pod_security = pod_spec.get("securityContext") or {}
    if pod_security.get("runAsNonRoot") is not True:
        problem(where, "pod securityContext.runAsNonRoot is not true")
    if pod_security.get("runAsUser") in (None, 0):
        problem(where, "pod securityContext.runAsUser is unset or root")
    if (pod_security.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problem(where, "pod seccompProfile is not RuntimeDefault")
    if pod_spec.get("automountServiceAccountToken") is not False:
        problem(where, "automountServiceAccountToken is not false")
    for c in pod_spec["containers"]:
        sc = c.get("securityContext") or {}
        if sc.get("allowPrivilegeEscalation") is not False:
            problem(where, f"container {c['name']}: allowPrivilegeEscalation is not false")
        if sc.get("readOnlyRootFilesystem") is not True:
            problem(where, f"container {c['name']}: readOnlyRootFilesystem is not true")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            problem(where, f"container {c['name']}: capabilities do not drop ALL")
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in ((c.get("resources") or {}).get(bound) or {}):
                    problem(where, f"container {c['name']}: no {resource} {bound}")


def check_rendering(r, flags, postgres_services, redis_services):
    if not any(p["spec"]["podSelector"] == {} and
               set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
               and not p["spec"].get("ingress") and not p["spec"].get("egress")
               for p in r.of_kind("NetworkPolicy")):
        problem(r.name, "no deny-all NetworkPolicy (podSelector {}, Ingress and Egress)")
    pods = {}  # service -> (labels, named ports) of its pods
    calls = []  # (caller workload, caller pod, callee service, port)
    for obj, template in r.workloads():
        where = f"{r.name}: {obj['kind']}/{obj['metadata']['name']}"
        spec = template["spec"]
        check_security(where, spec)
        for volume in spec.get("volumes") or []:
            if "secret" in volume:
                r.check_secret(where, volume["secret"]["secretName"])
        container = spec["containers"][0]
        image = base_name(container["image"])
        if not image.startswith("lagom-"):
            continue  # the dev overlay's PostgreSQL and Redis
        svc = image[len("lagom-"):]
        env = r.env_of(where, container)
        labels = template["metadata"]["labels"]
        ports = {p["name"]: p["containerPort"] for p in container.get("ports") or []}
        known = set()
        if svc == "migrations":
            for s in postgres_services:
                known |= flags[s] or set()
            unknown_flags = None in (flags[s] for s in postgres_services)
            known_vars = {f"LAGOM_{f.upper()}" for f in known} | MIGRATE_OWN_VARIABLES
        else:
            if svc not in BINARIES:
                problem(where, f"image {image} is no Lagom service")
                continue
            unknown_flags = flags[svc] is None
            known_vars = {f"LAGOM_{f.upper()}" for f in flags[svc] or ()}
        if not unknown_flags:
            for var in sorted(env):
                if var.startswith("LAGOM_") and var not in known_vars:
                    problem(where, f"{var}: lagom-{svc} has no flag --{var[6:].lower()}")
        if svc == GATEWAY:
            # Every route needs its service (one without answers 501), and it serves HTTP only.
            needs = set(ADDRESS_FLAGS)
            if env.get("LAGOM_ALLOW_PLAINTEXT") != "true":
                problem(where, "LAGOM_ALLOW_PLAINTEXT is not \"true\": the gateway serves HTTP "
                               "only and refuses to start without it")
        elif svc == "migrations":
            # Under --migrate_only each service exits inside ConnectPostgresOrDie, before it
            # reads the service token or touches Redis or another service.
            needs = set()
        else:
            needs = {"LAGOM_SERVICE_TOKEN_FILE"}
        if svc in postgres_services or svc == "migrations":
            needs |= {"LAGOM_POSTGRES_URL", "LAGOM_POSTGRES_MIGRATIONS_URL"}
        if svc in redis_services:
            needs.add("LAGOM_REDIS_ADDR")
        if svc not in ("questionnaire", "migrations"):
            needs.add("LAGOM_QUESTIONNAIRE_ADDR")
        for var in sorted(needs - set(env)):
            problem(where, f"{var} is not set")
        token = env.get("LAGOM_SERVICE_TOKEN_FILE")
        secret_dirs = {m["mountPath"] for m in container.get("volumeMounts") or []
                       if any(v["name"] == m["name"] and "secret" in v
                              for v in spec.get("volumes") or [])}
        if isinstance(token, str) and str(pathlib.PurePath(token).parent) not in secret_dirs:
            problem(where, f"LAGOM_SERVICE_TOKEN_FILE {token} is not in a mounted Secret")
        for var, callee in ADDRESS_FLAGS.items():
            if isinstance(env.get(var), str) and svc != "migrations":
                host = env[var].removeprefix("dns:///").rsplit(":", 1)[0]
                if host not in (f"lagom-{callee}", f"lagom-{callee}-headless"):
                    problem(where, f"{var}={env[var]} is not the {callee} Service")
                calls.append((where, (labels, ports), callee, port_of(env[var])))
        if obj["kind"] == "Deployment":
            pods[svc] = (labels, ports)
            check_service_deployment(r, where, obj, container, env, ports,
                                     "http" if svc == GATEWAY else "grpc")
    for ingress in r.of_kind("Ingress"):
        check_ingress(r, ingress)
    for where, caller, callee, port in calls:
        if callee not in pods:
            problem(where, f"calls {callee}, which is not deployed")
            continue
        if not r.allowed("egress", caller, pods[callee], port):
            problem(where, f"network policies refuse its calls to {callee} (egress, port {port})")
        if not r.allowed("ingress", pods[callee], caller, port):
            problem(where, f"network policies refuse its calls to {callee} (ingress at "
                           f"{callee}, port {port})")


def check_service_deployment(r, where, deployment, container, env, ports, protocol):
    """A service's Deployment (`protocol` grpc) or the gateway's (http)."""
    name = deployment["metadata"]["name"]
    serving, metrics = ports.get(protocol), ports.get("metrics")
    if serving is None or metrics is None:
        problem(where, f"container ports {protocol} and metrics are not both named")
        return
    for var, port in (("LAGOM_LISTEN", serving), ("LAGOM_METRICS_ADDRESS", metrics)):
        if not isinstance(env.get(var), str) or port_of(env[var]) != port:
            problem(where, f"{var}={env.get(var)} does not serve on container port {port}")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        spec = container.get(probe) or {}
        if protocol == "grpc" and (spec.get("grpc") or {}).get("port") != serving:
            problem(where, f"{probe} is not a gRPC probe on port {serving}")
        if protocol == "http":
            get = spec.get("httpGet") or {}
            if ports.get(get.get("port"), get.get("port")) != serving or \
                    get.get("path") != HEALTH_PATH or get.get("scheme", "HTTP") != "HTTP":
                problem(where, f"{probe} is not an HTTP probe of GET {HEALTH_PATH} on port "
                               f"{serving}")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    if not labels_match(deployment["spec"]["selector"], labels):
        problem(where, "selector does not select its pods")
    if not any(labels_match({"matchLabels": s["spec"].get("selector") or {}}, labels)
               and any(p.get("targetPort") in (protocol, serving) for p in s["spec"]["ports"])
               for s in r.of_kind("Service")):
        problem(where, f"no Service sends {protocol} to it")
    if protocol == "http" and not any(rule_admits_namespace(p, labels, serving, ports)
                                      for p in r.of_kind("NetworkPolicy")):
        problem(where, f"no network policy lets the ingress controller's namespace reach port "
                       f"{serving}")
    if not any(labels_match(p["spec"]["selector"], labels)
               for p in r.of_kind("PodDisruptionBudget")):
        problem(where, "no PodDisruptionBudget")
    hpas = [h for h in r.of_kind("HorizontalPodAutoscaler")
            if h["spec"]["scaleTargetRef"]["name"] == name
            and h["spec"]["scaleTargetRef"]["kind"] == "Deployment"]
    if not hpas:
        problem(where, "no HorizontalPodAutoscaler")
    for h in hpas:
        if h["spec"]["maxReplicas"] < h["spec"].get("minReplicas", 1):
            problem(where, "HorizontalPodAutoscaler maxReplicas < minReplicas")
    if not any(rule_admits_namespace(p, labels, metrics) for p in r.of_kind("NetworkPolicy")):
        problem(where, f"no network policy lets Prometheus scrape port {metrics}")


def check_ingress(r, ingress):
    """HTTPS for every host, to a rendered Service whose pods admit the ingress controller."""
    where = f"{r.name}: Ingress/{ingress['metadata']['name']}"
    spec = ingress["spec"]
    tls_hosts = set()
    for tls in spec.get("tls") or []:
        if not tls.get("secretName"):
            problem(where, "a tls entry names no Secret")
        else:
            r.check_secret(where, tls["secretName"], "tls.crt")
            r.check_secret(where, tls["secretName"], "tls.key")
        tls_hosts |= set(tls.get("hosts") or [])
    for rule in spec.get("rules") or []:
        if rule.get("host") not in tls_hosts:
            problem(where, f"host {rule.get('host')} is not in a tls entry: it would be served "
                           f"over plain HTTP")
        for path in (rule.get("http") or {}).get("paths") or []:
            backend = path["backend"].get("service")
            if backend is None:
                problem(where, "a backend is not a Service")
                continue
            service = r.objects.get(("Service", backend["name"]))
            if service is None:
                problem(where, f"backend Service {backend['name']} is not rendered")
                continue
            wanted = backend["port"].get("name", backend["port"].get("number"))
            port = next((p for p in service["spec"]["ports"]
                         if wanted in (p.get("name"), p["port"])), None)
            if port is None:
                problem(where, f"Service {backend['name']} has no port {wanted}")
                continue
            pods = [t for _, t in r.workloads()
                    if labels_match({"matchLabels": service["spec"]["selector"]},
                                    t["metadata"]["labels"])]
            for template in pods:
                container = template["spec"]["containers"][0]
                named = {p["name"]: p["containerPort"] for p in container.get("ports") or []}
                target = named.get(port["targetPort"], port["targetPort"])
                if not any(rule_admits_namespace(p, template["metadata"]["labels"], target, named)
                           for p in r.of_kind("NetworkPolicy")):
                    problem(where, f"no network policy lets the ingress controller reach "
                                   f"{backend['name']}'s pods on port {target}")
            if not pods:
                problem(where, f"Service {backend['name']} selects no rendered pods")


def rule_admits_namespace(policy, labels, port, named_ports=None):
    """Whether `policy` admits traffic from another namespace to pods `labels` on `port`
    (`named_ports`: the pods' port names)."""
    if not labels_match(policy["spec"]["podSelector"], labels):
        return False
    for rule in policy["spec"].get("ingress") or []:
        if any("namespaceSelector" in p for p in rule.get("from") or []) and \
                any("port" not in p or (named_ports or {}).get(p["port"], p["port"]) == port
                    for p in rule.get("ports") or []):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# The chart against the kustomize base.

def normalized(obj):
    """The object as both renderings must agree on: no labels, annotations, comments or
    namespace, images by name without registry and tag."""
    obj = copy.deepcopy(obj)
    for meta in (obj["metadata"], obj.get("spec", {}).get("template", {}).get("metadata", {})):
        for field in ("labels", "annotations", "namespace"):
            meta.pop(field, None)
    pod = obj.get("spec", {}).get("template", {}).get("spec", {})
    for c in pod.get("containers", []):
        c["image"] = base_name(c["image"])
    return obj


def first_difference(a, b, path=""):
    if type(a) is not type(b):
        return f"{path or '/'}: {json.dumps(a)} vs {json.dumps(b)}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}/{key}: only in the {'chart' if key in a else 'base'}"
            found = first_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
    elif isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} entries vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}/{i}")
            if found:
                return found
    elif a != b:
        return f"{path}: {json.dumps(a)} vs {json.dumps(b)}"
    return None


def compare_chart_with_base(chart, base):
    where = f"{chart.name} vs {base.name}"
    if set(chart.objects) != set(base.objects):
        for key in sorted(set(chart.objects) ^ set(base.objects)):
            problem(where, f"{key[0]}/{key[1]} only in the "
                           f"{'chart' if key in chart.objects else 'base'}")
    for key in sorted(set(chart.objects) & set(base.objects)):
        a, b = normalized(chart.objects[key]), normalized(base.objects[key])
        if key[0] == "Job":
            # Helm runs the job as a hook, before the chart's ConfigMaps and service account
            # exist: compare what it runs, not how it is configured.
            a, b = ([{f: c.get(f) for f in ("image", "resources", "securityContext")}
                     for c in o["spec"]["template"]["spec"]["containers"]] for o in (a, b))
        found = first_difference(a, b)
        if found:
            problem(where, f"{key[0]}/{key[1]} differs at {found}")


# ---------------------------------------------------------------------------------------------
# The chart's values.

VALUES_PATH = re.compile(r"(?:\.Values|\$values)((?:\.[A-Za-z_]\w*)+)")
SVC_PATH = re.compile(r"(?<![\w.])\$?\.?svc((?:\.[A-Za-z_]\w*)+)")


def resolve(tree, path):
    node = tree
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def check_chart_values(chart_dir):
    values = yaml.safe_load((chart_dir / "values.yaml").read_text())
    schema = json.loads((chart_dir / "values.schema.json").read_text())
    validator = jsonschema.Draft7Validator
    try:
        validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        problem("values.schema.json", f"not a valid JSON schema: {e.message}")
        return
    sets = [("values.yaml", values)]
    for extra in sorted((chart_dir / "ci").glob("*-values.yaml")):
        merged = copy.deepcopy(values)
        merge_values(merged, yaml.safe_load(extra.read_text()) or {})
        sets.append((f"values.yaml with {extra.relative_to(chart_dir)}", merged))
    for name, tree in sets:
        for error in validator(schema).iter_errors(tree):
            where = "/".join(str(p) for p in error.absolute_path) or "/"
            problem(f"values.schema.json rejects {name}", f"{where}: {error.message}")
    check_values_table(chart_dir.parent / "README.md", values)
    for template in sorted((chart_dir / "templates").glob("*")):
        text = template.read_text()
        where = f"{template.relative_to(chart_dir.parent.parent)}"
        for match in sorted(set(VALUES_PATH.findall(text))):
            if not resolve(values, match.split(".")[1:]):
                problem(where, f".Values{match} is not in values.yaml")
        for match in sorted(set(SVC_PATH.findall(text))):
            for svc in BINARIES:
                if not resolve(values[svc], match.split(".")[1:]):
                    problem(where, f".svc{match} is not in values.yaml's {svc} block")


def leaf_paths(tree, prefix=""):
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from leaf_paths(value, path + ".")
        else:
            yield path


def check_values_table(readme, values):
    """helm/README.md's table documents every value, and only values that exist."""
    documented = set()
    for path in re.findall(r"^\| `([^`]+)` \|", readme.read_text(), re.M):
        for svc in (BINARIES if "<service>" in path else [None]):
            documented.add(path.replace("<service>", svc) if svc else path)
    for path in sorted(documented):
        if not resolve(values, path.split(".")):
            problem("helm/README.md", f"documents {path}, which values.yaml does not have")
    for path in sorted(leaf_paths(values)):
        if not any(path == d or path.startswith(d + ".") for d in documented):
            problem("helm/README.md", f"the values table does not document {path}")


def merge_values(dst, src):
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            merge_values(dst[key], value)
        else:
            dst[key] = value


# ---------------------------------------------------------------------------------------------
# Dockerfiles.

def package_list(path):
    return [line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def bootstrap_packages(root):
    text = (root / "tools" / "bootstrap").read_text()
    block = re.search(r"readonly PACKAGES=\((.*?)\n\)", text, re.S).group(1)
    return {word for line in block.splitlines() for word in line.split("#")[0].split()}


def dpkg_owners(paths):
    """Debian package of each file, by its real path (/lib and /usr/lib are one here)."""
    owners = {}
    real = {path: pathlib.Path(path).resolve().as_posix() for path in paths}
    for candidates in (set(real.values()), {re.sub(r"^/usr", "", p) for p in real.values()}):
        out = subprocess.run(["dpkg", "-S", *sorted(candidates)], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            package, path = line.split(": ", 1)
            owners.setdefault(path, package.split(":")[0])
    return {path: owners.get(r) or owners.get(re.sub(r"^/usr", "", r)) for path, r in real.items()}


def needed_libraries(binary):
    """Shared libraries `binary` links directly (DT_NEEDED): name -> path ldd resolves."""
    dynamic = subprocess.run(["objdump", "-p", str(binary)], capture_output=True, text=True,
                             check=True).stdout
    needed = set(re.findall(r"^\s+NEEDED\s+(\S+)", dynamic, re.M))
    resolved = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    return {name: path for name, path in re.findall(r"^\s+(\S+) => (\S+)", resolved, re.M)
            if name in needed}


def check_dockerfiles(root, parsed, build_dir, rendered_images, base):
    docker = root / "deploy" / "docker"
    targets = cmake_executables(root)
    ignored = [line.strip().lstrip("/") for line in
               (root / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for needed in ("node_modules", "build*", ".git"):
        if needed not in ignored:
            problem(".dockerignore", f"does not exclude {needed}")
    extra = set(package_list(docker / "build-packages.txt")) - bootstrap_packages(root) \
        - BUILD_PACKAGES_BEYOND_BOOTSTRAP
    for pkg in sorted(extra):
        problem("deploy/docker/build-packages.txt", f"{pkg} is not in tools/bootstrap PACKAGES")
    # Every library the build configures against must be in the image's build stage too.
    build_packages = set(package_list(docker / "build-packages.txt"))
    for pkg in sorted(bootstrap_packages(root) - build_packages):
        if pkg.endswith("-dev") and not pkg.startswith(DEV_PACKAGES_NOT_BUILT_INTO_IMAGES):
            problem("deploy/docker/build-packages.txt",
                    f"{pkg} is in tools/bootstrap PACKAGES but not here (the build needs it)")
    runtime = set(package_list(docker / "runtime-packages.txt"))
    for pkg in sorted(p for p in runtime if p.endswith("-dev")):
        problem("deploy/docker/runtime-packages.txt", f"{pkg} is a development package")
    libraries = {svc: needed_libraries(build_dir / "services" / svc / f"lagom-{svc}")
                 for svc in BINARIES if (build_dir / "services" / svc / f"lagom-{svc}").exists()}
    owners = dpkg_owners({path for libs in libraries.values() for path in libs.values()})
    for svc, libs in sorted(libraries.items()):
        for library, path in sorted(libs.items()):
            if owners[path] not in runtime | BASE_IMAGE_PACKAGES:
                problem("deploy/docker/runtime-packages.txt",
                        f"lagom-{svc} needs {library} ({owners[path] or 'no Debian package'})")
    uid = base["runAsUser"]
    for image in sorted(rendered_images):
        dockerfile = docker / f"{image.removeprefix('lagom-')}.Dockerfile"
        if str(dockerfile.relative_to(root)) not in parsed:
            problem(image, f"used by the manifests, but there is no {dockerfile.relative_to(root)}")
    for path, instructions in sorted(parsed.items()):
        image = "lagom-" + pathlib.PurePath(path).name.removesuffix(".Dockerfile")
        check_dockerfile(root, path, instructions, targets, uid, base["ports"].get(image))


def check_dockerfile(root, path, instructions, targets, uid, ports):
    """`ports`: the container ports of the base's Deployment of this image (name -> port), or
    None for an image no Deployment runs (the migrations job)."""
    stages = []
    for i in instructions:
        if i["keyword"] == "FROM":
            stages.append({"from": i["args"][0], "name": i["args"][2] if len(i["args"]) > 2
                           else None, "instructions": []})
        elif stages:
            stages[-1]["instructions"].append(i)
    if len(stages) < 2 or stages[0]["from"] != "debian:bookworm" or \
            stages[-1]["from"] != "debian:bookworm-slim":
        problem(path, "is not a debian:bookworm build stage and a debian:bookworm-slim runtime")
        return
    built = set()
    for i in stages[0]["instructions"]:
        if i["keyword"] == "RUN" and "--target" in i["args"]:
            rest = i["args"][i["args"].index("--target") + 1:]
            for target in rest[:next((n for n, a in enumerate(rest) if a == "&&"), len(rest))]:
                if target not in targets:
                    problem(f"{path}:{i['line']}", f"CMake defines no executable {target}")
                built.add(target)
    final = stages[-1]["instructions"]
    installed = set()
    for i in final:
        if i["keyword"] != "COPY":
            continue
        *sources, dest = i["args"]
        for source in sources:
            name = pathlib.PurePath(source).name
            if i["flags"].get("from") == stages[0]["name"]:
                want = f"/src/build/{targets.get(name, '?')}/{name}"
                if name not in built:
                    problem(f"{path}:{i['line']}", f"copies {source}, which the build stage "
                                                   f"does not build")
                elif source != want:
                    problem(f"{path}:{i['line']}", f"copies {source}; CMake builds it at {want}")
            elif not (root / source).exists():
                problem(f"{path}:{i['line']}", f"copies {source}, which is not in the repository")
            if dest.endswith("/"):
                installed.add(dest + name)
    users = [i for i in final if i["keyword"] == "USER"]
    if not users or users[-1]["args"][0].split(":")[0] != str(uid):
        problem(path, f"the runtime stage does not end as USER {uid} (the pods' runAsUser)")
    entry = [i for i in final if i["keyword"] == "ENTRYPOINT"]
    try:
        command = json.loads(entry[-1]["text"]) if entry else None
    except json.JSONDecodeError:
        command = None
    if not command or command[0] not in installed:
        problem(path, "ENTRYPOINT is not a JSON array starting with a binary the image copies")
    exposed = {int(a) for i in final if i["keyword"] == "EXPOSE" for a in i["args"]}
    if ports is None:
        if exposed:
            problem(path, f"EXPOSEs {sorted(exposed)}, but no Deployment runs the image")
        return
    if exposed and exposed != set(ports.values()):
        problem(path, f"EXPOSEs {sorted(exposed)}, the manifests use {sorted(ports.values())}")
    env = {a.split("=", 1)[0]: a.split("=", 1)[1] for i in final if i["keyword"] == "ENV"
           for a in i["args"] if "=" in a}
    serving = ports.get("grpc", ports.get("http"))
    for var, port in (("LAGOM_LISTEN", serving), ("LAGOM_METRICS_ADDRESS", ports["metrics"])):
        if var in env and port_of(env[var]) != port:
            problem(path, f"ENV {var}={env[var]}, the manifests use port {port}")


# ---------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=pathlib.Path, required=True)
    parser.add_argument("--build-dir", type=pathlib.Path, required=True)
    parser.add_argument("--require-binaries", action="store_true")
    parser.add_argument("--dockerfiles", type=pathlib.Path, required=True,
                        help="JSON of the parsed Dockerfiles (deploy_lint.mjs dockerfile)")
    parser.add_argument("--base", required=True, help="NAME=FILE of the kustomize base")
    parser.add_argument("--chart", required=True, help="NAME=FILE of the chart's defaults")
    parser.add_argument("rendered", nargs="+", help="NAME=FILE of every rendered set")
    args = parser.parse_args()

    flags = binary_flags(args.build_dir, args.require_binaries)
    postgres = services_using(args.root, "ConnectPostgresOrDie")
    redis = services_using(args.root, "ConnectRedisOrDie")
    migrate = (args.root / "deploy" / "docker" / "lagom-migrate").read_text()
    default = re.search(r"services=\(([\w ]+)\)", migrate)
    if not default or set(default.group(1).split()) != postgres:
        problem("deploy/docker/lagom-migrate", f"does not migrate exactly the services with "
                                               f"PostgreSQL ({' '.join(sorted(postgres))})")
    renderings = {}
    for spec in args.rendered:
        name, path = spec.split("=", 1)
        renderings[name] = Rendering(name, load_docs(path))
        check_rendering(renderings[name], flags, postgres, redis)
    base = renderings[args.base]
    compare_chart_with_base(renderings[args.chart], base)
    check_chart_values(args.root / "helm" / "lagom")

    session = base.objects[("Deployment", "lagom-session")]["spec"]["template"]["spec"]
    ports = {base_name(c["image"]): {p["name"]: p["containerPort"] for p in c.get("ports") or []}
             for d in base.of_kind("Deployment")
             for c in d["spec"]["template"]["spec"]["containers"]}
    images = {base_name(c["image"]) for r in renderings.values() for _, t in r.workloads()
              for c in t["spec"]["containers"] if base_name(c["image"]).startswith("lagom-")}
    check_dockerfiles(args.root, json.loads(args.dockerfiles.read_text()), args.build_dir,
                      images, {"runAsUser": session["securityContext"]["runAsUser"],
                               "ports": ports})
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
