{{/*
Shared pieces of Lagom's workloads. Each service's template calls "lagom.service" with a dict:
  root    the chart's root context ($)
  name    the service's short name (session)
  svc     its values block (.Values.session)
  env     extra container env entries (YAML list), or ""
  config  the service's own LAGOM_* variables (a dict), merged with svc.flags
  http    true for the REST gateway: it serves HTTP (port ports.http, probes on GET /healthz,
          one Service, no headless one), holds no service token and takes no lagom-common
          (its config has every variable)
The resources are named lagom-<name>, as in deploy/k8s/base.
*/}}

{{- define "lagom.labels" -}}
app.kubernetes.io/name: lagom-{{ .name }}
app.kubernetes.io/component: {{ .name }}
app.kubernetes.io/part-of: lagom
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end }}

{{- define "lagom.image" -}}
{{- $image := .root.Values.image -}}
{{- $tag := default .root.Chart.AppVersion $image.tag -}}
{{- if $image.registry -}}
{{ printf "%s/%s:%s" $image.registry .svc.image $tag }}
{{- else -}}
{{ printf "%s:%s" .svc.image $tag }}
{{- end -}}
{{- end }}

{{/* LAGOM_<FLAG>: value for every flag: value in a dict. Helm reads every number in the values
as a float64, which toString writes as 8.388608e+06 from a million on and Abseil's integer flags
refuse: a whole number is written as an integer; others (the double flags, such as
rate_limit_per_second: 0.5) as they are. */}}
{{- define "lagom.flagsAsEnv" -}}
{{- range $flag, $value := . }}
{{- $text := toString $value }}
{{- if and (kindIs "float64" $value) (eq $value (floor $value)) }}
{{- $text = $value | int64 | toString }}
{{- end }}
LAGOM_{{ upper $flag }}: {{ $text | quote }}
{{- end }}
{{- end }}

{{/* The data of the lagom-common ConfigMap, which the four gRPC services read through envFrom
(the REST gateway's own ConfigMap has every variable). */}}
{{- define "lagom.commonConfig" -}}
LAGOM_LISTEN: "0.0.0.0:{{ .Values.ports.grpc }}"
LAGOM_METRICS_ADDRESS: "0.0.0.0:{{ .Values.ports.metrics }}"
LAGOM_SERVICE_TOKEN_FILE: /etc/lagom/service-token/token
{{ include "lagom.flagsAsEnv" .Values.commonFlags | trim }}
{{- end }}

{{- define "lagom.address" -}}
{{ printf "dns:///lagom-%s-headless:%v" .name .root.Values.ports.grpc }}
{{- end }}

{{/* The service token (and optionally the operator token) as files. */}}
{{- define "lagom.secretVolumes" -}}
{{- if not .http }}
- name: service-token
  secret:
    secretName: {{ .root.Values.secrets.serviceToken }}
    defaultMode: 288  # 0440: the lagom group (fsGroup) reads it
{{- end }}
{{- if .operatorToken }}
- name: operator-token
  secret:
    secretName: {{ .root.Values.secrets.operatorToken }}
    defaultMode: 288
{{- end }}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{- define "lagom.secretMounts" -}}
{{- if not .http }}
- name: service-token
  mountPath: /etc/lagom/service-token
  readOnly: true
{{- end }}
{{- if .operatorToken }}
- name: operator-token
  mountPath: /etc/lagom/operator-token
  readOnly: true
{{- end }}
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "lagom.postgresEnv" -}}
- name: LAGOM_POSTGRES_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.postgres }}
      key: url
# The services' role cannot read the migrations table: every replica checks its migrations
# as the owner role at start-up (a no-op once the job has applied them).
- name: LAGOM_POSTGRES_MIGRATIONS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.postgres }}
      key: migrations-url
{{- end }}

{{- define "lagom.redisEnv" -}}
- name: LAGOM_REDIS_ADDR
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.redis }}
      key: addr
{{- end }}

{{/* A network policy peer list: pods named lagom-<name> for each name. */}}
{{- define "lagom.peers" -}}
{{- range . }}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: lagom-{{ . }}
{{- end }}
{{- end }}

{{/* Where a store is: its CIDRs, or pods with its labels. */}}
{{- define "lagom.storePeers" -}}
{{- if .cidrs }}
{{- range .cidrs }}
- ipBlock:
    cidr: {{ . }}
{{- end }}
{{- else }}
- podSelector:
    matchLabels:
      {{- toYaml .podLabels | nindent 6 }}
{{- end }}
{{- end }}

{{/* ConfigMap, Deployment, Services, PodDisruptionBudget and HorizontalPodAutoscaler. */}}
{{- define "lagom.service" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- $svc := .svc -}}
{{- $labels := include "lagom.labels" . -}}
{{- $port := ternary "http" "grpc" (default false .http) -}}
{{- $data := include "lagom.flagsAsEnv" (merge (dict) .config $svc.flags) | trim -}}
{{- /* Everything the pods read through envFrom: a change to any of it rolls them. */ -}}
{{- $envFrom := ternary $data (printf "%s\n%s" (include "lagom.commonConfig" $root) $data)
      (default false .http) -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: lagom-{{ .name }}
  labels:
    {{- $labels | nindent 4 }}
data:
  {{- $data | nindent 2 }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lagom-{{ .name }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  {{- /* With an autoscaler the count is the autoscaler's: a value here would reset it on every
  upgrade. */}}
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      app.kubernetes.io/name: lagom-{{ .name }}
  template:
    metadata:
      labels:
        {{- $labels | nindent 8 }}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $values.ports.metrics | quote }}
        prometheus.io/path: /metrics
        checksum/config: {{ $envFrom | sha256sum }}
    spec:
      serviceAccountName: lagom
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $values.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $values.podSecurityContext | nindent 8 }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: lagom-{{ .name }}
      containers:
        - name: {{ .name }}
          image: {{ include "lagom.image" . }}
          imagePullPolicy: {{ $values.image.pullPolicy }}
          ports:
            - name: {{ $port }}
              containerPort: {{ get $values.ports $port }}
            - name: metrics
              containerPort: {{ $values.ports.metrics }}
          envFrom:
            {{- if not .http }}
            - configMapRef:
                name: lagom-common
            {{- end }}
            - configMapRef:
                name: lagom-{{ .name }}
          {{- with .env }}
          env:
            {{- . | nindent 12 }}
          {{- end }}
          volumeMounts:
            {{- include "lagom.secretMounts" . | nindent 12 }}
          # grpc.health.v1 on the serving port (the gateway: GET /healthz): NOT_SERVING from
          # SIGTERM on, while calls drain.
          {{- $check := include "lagom.healthCheck" (dict "http" .http "values" $values) }}
          startupProbe:
            {{- $check | nindent 12 }}
            {{- toYaml $values.probes.startup | nindent 12 }}
          readinessProbe:
            {{- $check | nindent 12 }}
            {{- toYaml $values.probes.readiness | nindent 12 }}
          livenessProbe:
            {{- $check | nindent 12 }}
            {{- toYaml $values.probes.liveness | nindent 12 }}
          lifecycle:
            preStop:
              exec:
                command: ["sleep", "{{ $values.preStopSeconds }}"]
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            {{- toYaml $values.containerSecurityContext | nindent 12 }}
      volumes:
        {{- include "lagom.secretVolumes" . | nindent 8 }}
---
apiVersion: v1
kind: Service
metadata:
  name: lagom-{{ .name }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  selector:
    app.kubernetes.io/name: lagom-{{ .name }}
  ports:
    - name: {{ $port }}
      port: {{ get $values.ports $port }}
      targetPort: {{ $port }}
      appProtocol: {{ ternary "http" "kubernetes.io/h2c" (default false .http) }}
    - name: metrics
      port: {{ $values.ports.metrics }}
      targetPort: metrics
{{- if not .http }}
---
# Every ready replica's address, for gRPC clients that balance calls themselves.
apiVersion: v1
kind: Service
metadata:
  name: lagom-{{ .name }}-headless
  labels:
    {{- $labels | nindent 4 }}
spec:
  clusterIP: None
  selector:
    app.kubernetes.io/name: lagom-{{ .name }}
  ports:
    - name: grpc
      port: {{ $values.ports.grpc }}
      targetPort: grpc
      appProtocol: kubernetes.io/h2c
{{- end }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: lagom-{{ .name }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  maxUnavailable: {{ $svc.maxUnavailable }}
  selector:
    matchLabels:
      app.kubernetes.io/name: lagom-{{ .name }}
{{- if $svc.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: lagom-{{ .name }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: lagom-{{ .name }}
  minReplicas: {{ $svc.autoscaling.minReplicas }}
  maxReplicas: {{ $svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $svc.autoscaling.targetCPUUtilizationPercentage }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
{{- end }}
{{- end }}

{{/* The probe's check: grpc.health.v1 on the gRPC port, or the gateway's GET /healthz. */}}
{{- define "lagom.healthCheck" -}}
{{- if .http -}}
httpGet:
  path: /healthz
  port: http
{{- else -}}
grpc:
  port: {{ .values.ports.grpc }}
{{- end -}}
{{- end }}

{{/* The calls between Lagom's services that involve one of them: callers in, callees out.
The gateway's callers are the ingress controller's namespace (networkPolicy.apiClientNamespace),
on its HTTP port. */}}
{{- define "lagom.servicePolicy" -}}
{{- if .root.Values.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: lagom-{{ .name }}
  labels:
    {{- include "lagom.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: lagom-{{ .name }}
  policyTypes:
    {{- if or .callers .http }}
    - Ingress
    {{- end }}
    {{- if .callees }}
    - Egress
    {{- end }}
  {{- if .http }}
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ .root.Values.networkPolicy.apiClientNamespace }}
      ports:
        - port: http
  {{- else if .callers }}
  ingress:
    - from:
        {{- include "lagom.peers" .callers | trim | nindent 8 }}
      ports:
        - port: grpc
  {{- end }}
  {{- if .callees }}
  egress:
    - to:
        {{- include "lagom.peers" .callees | trim | nindent 8 }}
      ports:
        - port: {{ .root.Values.ports.grpc }}
  {{- end }}
{{- end }}
{{- end }}
