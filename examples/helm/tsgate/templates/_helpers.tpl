{{- define "tsgate.fullname" -}}
{{- printf "%s-tsgate" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tsgate.labels" -}}
app.kubernetes.io/name: tsgate
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "tsgate.selectorLabels" -}}
app.kubernetes.io/name: tsgate
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The tsgate container; in sidecar mode gRPC listens on loopback only, for the Envoy in the same pod. */}}
{{- define "tsgate.container" -}}
- name: tsgate
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- if eq .Values.mode "sidecar" }}
  restartPolicy: Always
  {{- end }}
  args:
    - -grpcListenAddr={{ if eq .Values.mode "sidecar" }}127.0.0.1{{ end }}:{{ .Values.service.grpcPort }}
    - -httpListenAddr=:{{ .Values.service.httpPort }}
    - -auth.publicKeyFiles={{ range $i, $f := .Values.keys.files }}{{ if $i }},{{ end }}/etc/tsgate/keys/{{ $f }}{{ end }}
    {{- if eq .Values.mode "sidecar" }}
    - -http.trustedProxyHops=1
    {{- end }}
    {{- if .Values.metricsAuthKey.secretName }}
    - -envflag.enable
    {{- end }}
    {{- range .Values.extraArgs }}
    - {{ . }}
    {{- end }}
  env:
    - name: JAVA_TOOL_OPTIONS
      value: {{ .Values.javaToolOptions | quote }}
    {{- if .Values.metricsAuthKey.secretName }}
    - name: metricsAuthKey
      valueFrom:
        secretKeyRef: { name: {{ .Values.metricsAuthKey.secretName }}, key: {{ .Values.metricsAuthKey.secretKey }} }
    {{- end }}
  ports:
    {{- if ne .Values.mode "sidecar" }}
    - name: grpc
      containerPort: {{ .Values.service.grpcPort }}
    {{- end }}
    - name: http
      containerPort: {{ .Values.service.httpPort }}
  startupProbe:
    httpGet: { path: {{ .Values.probes.startup.path }}, port: http }
    periodSeconds: {{ .Values.probes.startup.periodSeconds }}
    failureThreshold: {{ .Values.probes.startup.failureThreshold }}
  livenessProbe:
    httpGet: { path: {{ .Values.probes.liveness.path }}, port: http }
    periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  readinessProbe:
    httpGet: { path: {{ .Values.probes.readiness.path }}, port: http }
    periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  resources:
    {{- toYaml .Values.resources | nindent 4 }}
  securityContext:
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities: { drop: ["ALL"] }
  volumeMounts:
    - name: keys
      mountPath: /etc/tsgate/keys
      readOnly: true
    - name: tmp
      mountPath: /tmp
{{- end -}}
