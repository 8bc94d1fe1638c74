{{/*
Names. The fullname is cut to 38 characters so that every derived name stays a valid
DNS label: "<fullname>-postgres-<ordinal>" plus the "-<hash>" that the StatefulSet
controller appends for its revision label, and the pod names "<fullname>-<ordinal>" that
are also the replicas' node ids ([a-z0-9-]{1,63}) and their default schemas.
*/}}
{{- define "vault.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 38 | trimSuffix "-" }}
{{- end }}

{{- define "vault.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 38 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 38 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 38 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "vault.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object of the release carries. */}}
{{- define "vault.labels" -}}
helm.sh/chart: {{ include "vault.chart" . }}
app.kubernetes.io/name: {{ include "vault.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The replicas' pods: the StatefulSet's selector, the Services', the PDB's and the NetworkPolicy's. */}}
{{- define "vault.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vault.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: replica
{{- end }}

{{/* Every bundled Postgres pod of the release (their PodDisruptionBudget). */}}
{{- define "vault.postgres.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vault.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: postgres
{{- end }}

{{/* The metrics Service (the ServiceMonitor's selector). */}}
{{- define "vault.metrics.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vault.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: metrics
{{- end }}

{{- define "vault.metricsServiceName" -}}
{{- printf "%s-metrics" (include "vault.fullname" .) }}
{{- end }}

{{- define "vault.peersServiceName" -}}
{{- printf "%s-peers" (include "vault.fullname" .) }}
{{- end }}

{{- define "vault.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vault.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vault.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* n, k and m as the replicas get them: k and m default the way the replica defaults them (docs/configuration.md). */}}
{{- define "vault.n" -}}
{{- int .Values.replicas }}
{{- end }}

{{- define "vault.k" -}}
{{- $n := int .Values.replicas }}
{{- if kindIs "invalid" .Values.threshold }}{{ min 3 $n }}{{ else }}{{ int .Values.threshold }}{{ end }}
{{- end }}

{{- define "vault.m" -}}
{{- $n := int .Values.replicas }}
{{- $k := int (include "vault.k" .) }}
{{- if kindIs "invalid" .Values.writeQuorum }}{{ max $k (add (div $n 2) 1) }}{{ else }}{{ int .Values.writeQuorum }}{{ end }}
{{- end }}

{{/* The pod name of ordinal $i, which is also that replica's node id. Call with (list $ $i). */}}
{{- define "vault.podName" -}}
{{- $ctx := index . 0 }}
{{- printf "%s-%d" (include "vault.fullname" $ctx) (int (index . 1)) }}
{{- end }}

{{/* A replica's stable DNS name behind the headless Service. Call with (list $ $i). */}}
{{- define "vault.podHost" -}}
{{- $ctx := index . 0 }}
{{- printf "%s.%s.%s.svc.%s" (include "vault.podName" .) (include "vault.peersServiceName" $ctx) $ctx.Release.Namespace $ctx.Values.clusterDomain }}
{{- end }}

{{- define "vault.scheme" -}}
{{- if .Values.tls.enabled }}https{{ else }}http{{ end }}
{{- end }}

{{/* VAULT_PEERS: every replica, this one included, at its peer port. */}}
{{- define "vault.peers" -}}
{{- $peers := list }}
{{- range $i := until (int .Values.replicas) }}
{{- $peers = append $peers (printf "%s=%s://%s:%d" (include "vault.podName" (list $ $i)) (include "vault.scheme" $) (include "vault.podHost" (list $ $i)) (int $.Values.ports.peer)) }}
{{- end }}
{{- join "," $peers }}
{{- end }}

{{/* The names a replica's certificate carries: its own DNS names, and the client Service's. Call with (list $ $i). */}}
{{- define "vault.certDnsNames" -}}
{{- $ctx := index . 0 }}
{{- $pod := include "vault.podName" . }}
{{- $peers := include "vault.peersServiceName" $ctx }}
{{- $svc := include "vault.fullname" $ctx }}
{{- $ns := $ctx.Release.Namespace }}
{{- $names := list (include "vault.podHost" .) (printf "%s.%s.%s.svc" $pod $peers $ns) (printf "%s.%s" $pod $peers) }}
{{- $names = concat $names (list (printf "%s.%s.svc.%s" $svc $ns $ctx.Values.clusterDomain) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s" $svc $ns) $svc "localhost") }}
{{- toJson $names }}
{{- end }}

{{/* Which source the replicas' certificates come from: existingSecret, certManager or generated. */}}
{{- define "vault.tls.source" -}}
{{- if .Values.tls.existingSecret }}existingSecret
{{- else if .Values.tls.certManager.issuerRef.name }}certManager
{{- else }}generated
{{- end }}
{{- end }}

{{/* The Secret that holds ca.crt (the helm test pod trusts it). */}}
{{- define "vault.tls.caSecretName" -}}
{{- $source := include "vault.tls.source" . }}
{{- if eq $source "existingSecret" }}{{ .Values.tls.existingSecret }}
{{- else if eq $source "certManager" }}{{ printf "%s-tls-0" (include "vault.fullname" .) }}
{{- else }}{{ printf "%s-tls" (include "vault.fullname" .) }}
{{- end }}
{{- end }}

{{- define "vault.credentialsSecretName" -}}
{{- default (printf "%s-credentials" (include "vault.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{- define "vault.postgres.name" -}}
{{- $ctx := index . 0 }}
{{- printf "%s-postgres-%d" (include "vault.fullname" $ctx) (int (index . 1)) }}
{{- end }}

{{/* Where a replica finds its DATABASE_URL: a file named after its pod (see the StatefulSet's command). */}}
{{- define "vault.databaseUrlDir" -}}
/etc/vault/database
{{- end }}

{{- define "vault.tlsDir" -}}
/etc/vault/tls
{{- end }}

{{/* The container securityContext every container of the chart runs with. */}}
{{- define "vault.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Every rule the replica checks at boot that the values schema cannot express (JSON Schema
compares no two numbers), and what the chart itself needs. Rendered by every install,
upgrade, template and lint, so a bad combination stops there rather than in a crash loop.
*/}}
{{- define "vault.validate" -}}
{{- $n := int .Values.replicas }}
{{- $k := int (include "vault.k" .) }}
{{- $m := int (include "vault.m" .) }}
{{- if or (lt $k 2) (gt $k $n) }}
{{- fail (printf "threshold: must satisfy 2 <= k <= n (got k=%d with replicas=%d)" $k $n) }}
{{- end }}
{{- if or (lt $m $k) (gt $m $n) (le (mul $m 2) $n) }}
{{- fail (printf "writeQuorum: must satisfy k <= m <= n and m > n/2 (got m=%d with replicas=%d, k=%d)" $m $n $k) }}
{{- end }}
{{- if lt (int .Values.lockTtlMs) (mul 3 (int .Values.peerTimeoutMs)) }}
{{- fail (printf "lockTtlMs: must be at least 3 x peerTimeoutMs (got lockTtlMs=%d, peerTimeoutMs=%d): participants would give up on live coordinators" (int .Values.lockTtlMs) (int .Values.peerTimeoutMs)) }}
{{- end }}
{{- if and (gt (int .Values.rateLimit.perSecond) 0) (not (kindIs "invalid" .Values.rateLimit.burst)) (lt (int .Values.rateLimit.burst) 1) }}
{{- fail (printf "rateLimit.burst: must be at least 1 while rateLimit.perSecond is above 0 (got burst=%d, perSecond=%d)" (int .Values.rateLimit.burst) (int .Values.rateLimit.perSecond)) }}
{{- end }}
{{- if eq (int .Values.ports.client) (int .Values.ports.peer) }}
{{- fail "ports: client and peer must differ: the NetworkPolicy opens the peer port to the replicas only" }}
{{- end }}
{{- if and .Values.metrics.enabled (has (int .Values.metrics.port) (list (int .Values.ports.client) (int .Values.ports.peer))) }}
{{- fail (printf "metrics.port: must differ from ports.client and ports.peer (got %d): the replica refuses VAULT_METRICS_PORT equal to either" (int .Values.metrics.port)) }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) }}
{{- fail "metrics.serviceMonitor.enabled: needs metrics.enabled (the ServiceMonitor scrapes the metrics port)" }}
{{- end }}
{{- if and .Values.metrics.prometheusRule.enabled (not .Values.metrics.enabled) }}
{{- fail "metrics.prometheusRule.enabled: needs metrics.enabled (its alerts read the replicas' metrics)" }}
{{- end }}
{{- if and .Values.tls.existingSecret .Values.tls.certManager.issuerRef.name }}
{{- fail "tls: set either tls.existingSecret or tls.certManager.issuerRef, not both" }}
{{- end }}
{{- if and (eq .Values.postgres.mode "external") (ne (len .Values.postgres.external.databaseUrls) $n) }}
{{- fail (printf "postgres.external.databaseUrls: needs exactly one entry per replica, in ordinal order (got %d for replicas=%d)" (len .Values.postgres.external.databaseUrls) $n) }}
{{- end }}
{{- include "vault.validateSplitUnchanged" . }}
{{- end }}

{{/*
The replicas keep every secret as n shares with threshold k, split when it was written.
Changing n or k under existing data is not supported (helm/vault/README.md, "Changing the
number of replicas"): the running StatefulSet's own VAULT_PEERS and VAULT_THRESHOLD tell
what the data was split for, and an upgrade that changes them is refused.
*/}}
{{- define "vault.validateSplitUnchanged" -}}
{{- $sts := lookup "apps/v1" "StatefulSet" .Release.Namespace (include "vault.fullname" .) }}
{{- if and $sts (not .Values.allowSplitChange) }}
{{- $running := dict }}
{{- range $container := $sts.spec.template.spec.containers }}
{{- if eq $container.name "vault" }}
{{- range $env := $container.env }}
{{- if eq $env.name "VAULT_PEERS" }}{{ $_ := set $running "n" (len (splitList "," $env.value)) }}{{ end }}
{{- if eq $env.name "VAULT_THRESHOLD" }}{{ $_ := set $running "k" (int $env.value) }}{{ end }}
{{- end }}
{{- end }}
{{- end }}
{{- $n := int .Values.replicas }}
{{- $k := int (include "vault.k" .) }}
{{- if and (hasKey $running "n") (ne (int $running.n) $n) }}
{{- fail (printf "replicas: this release runs %d replicas and every stored secret is split into %d shares; changing to %d would leave them unreadable or undeletable. See helm/vault/README.md, \"Changing the number of replicas\". Only for a vault that holds no secret, set allowSplitChange=true." (int $running.n) (int $running.n) $n) }}
{{- end }}
{{- if and (hasKey $running "k") (ne (int $running.k) $k) }}
{{- fail (printf "threshold: this release's secrets were split with k=%d; changing to k=%d would leave them unreadable (lower k) or not destroyed by a delete (higher k). See helm/vault/README.md, \"Changing the number of replicas\". Only for a vault that holds no secret, set allowSplitChange=true." (int $running.k) $k) }}
{{- end }}
{{- end }}
{{- end }}
