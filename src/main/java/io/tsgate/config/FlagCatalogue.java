package io.tsgate.config;

import static io.tsgate.config.FlagKind.BOOL;
import static io.tsgate.config.FlagKind.DURATION;
import static io.tsgate.config.FlagKind.INT;
import static io.tsgate.config.FlagKind.LIST;
import static io.tsgate.config.FlagKind.SIZE;
import static io.tsgate.config.FlagKind.STRING;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every flag tsgate serves, declared once. README's flag table is checked against this list by a test.
 * Names follow vmgateway where the meaning is the same.
 */
public final class FlagCatalogue {
    public static final List<FlagSpec> FLAGS = List.of(
            FlagSpec.of("config", STRING, "", "YAML file with the same keys as these flags (without dashes); flags override it"),
            FlagSpec.of("envflag.enable", BOOL, "false", "Read flags not given on the command line from environment variables (dots become underscores)"),
            FlagSpec.of("envflag.prefix", STRING, "", "Prefix for environment variable names read under -envflag.enable"),
            FlagSpec.of("version", BOOL, "false", "Print the version and exit"),
            FlagSpec.of("grpcListenAddr", STRING, ":9191", "Address for Envoy ext_authz gRPC and grpc.health.v1.Health"),
            FlagSpec.of("httpListenAddr", STRING, ":8431", "Address for HTTP forward-auth (/authz…), /metrics, /health and /ready"),
            FlagSpec.of("tls", BOOL, "false", "Serve TLS on both listeners with -tlsCertFile and -tlsKeyFile"),
            FlagSpec.of("tlsCertFile", STRING, "", "PEM certificate chain for -tls"),
            FlagSpec.of("tlsKeyFile", STRING, "", "PEM private key for -tls: PKCS#8 (PRIVATE KEY), PKCS#1 (RSA PRIVATE KEY) or SEC1 (EC PRIVATE KEY)"),
            FlagSpec.of("tlsMinVersion", STRING, "TLS12", "Lowest TLS version accepted: TLS12 or TLS13 (checked even without -tls)"),
            FlagSpec.of("tlsCipherSuites", LIST, "", "TLS 1.2 cipher suites the listeners accept, by IANA name as in Go "
                    + "(e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256); empty: the JVM's defaults. TLS 1.3 suites are not "
                    + "configurable (as in VictoriaMetrics). Checked even without -tls"),
            FlagSpec.of("tlsFilesCheckInterval", DURATION, "1s", "How often -tlsCertFile, -tlsKeyFile and -tlsCAFile are "
                    + "checked for a change; a changed set is loaded for new TLS handshakes on both listeners (open "
                    + "connections stay), an invalid one is logged and the last good one kept. 0: read once"),
            new FlagSpec("metricsAuthKey", STRING, "", "When set, /metrics answers 401 unless the request carries "
                    + "this value in the authKey query arg (VictoriaMetrics' flag; compared in constant time)", true),
            FlagSpec.of("enable.auth", BOOL, "true", "Require a valid credential on every request. tsgate exists to authorize: "
                    + "-enable.auth=false passes requests unmodified to tenant 0:0 with full access and is logged as a warning"),
            FlagSpec.of("clusterMode", BOOL, "false", "Rewrite paths for VictoriaMetrics cluster: /select/{account}:{project}/…, /insert/…, /delete/…"),
            FlagSpec.of("auth.httpHeader", STRING, "Authorization", "Request header carrying the JWT (scheme Bearer; other headers may carry the bare token)"),
            new FlagSpec("auth.publicKeys", LIST, "", "Inline PEM public keys (RSA, EC, Ed25519) that verify JWTs", false),
            FlagSpec.of("auth.publicKeyFiles", LIST, "", "PEM files with public keys or certificates that verify JWTs; re-read on change; kid = file name without extension; "
                    + "FILE|issuer=ISS|audience=AUD binds the file's keys to tokens of that issuer and audience"),
            FlagSpec.of("auth.hmacSecretFiles", LIST, "", "Files holding HMAC secrets for HS256/384/512 tokens (at least 32/48/64 bytes); kid = file name without extension; "
                    + "FILE|issuer=ISS|audience=AUD binds the secret to tokens of that issuer and audience"),
            FlagSpec.of("auth.keyFilesCheckInterval", DURATION, "10s", "How often key and secret files are checked for changes"),
            FlagSpec.of("auth.issuer", STRING, "", "When set, tokens must carry this iss (key sources with their own issuer= override it)"),
            FlagSpec.of("auth.audience", STRING, "", "When set, tokens must carry this aud (key sources with their own audience= override it)"),
            FlagSpec.of("auth.accessRules", STRING, "", "YAML file of access rules: tokens whose claims match a rule's match_claims get its vm_access "
                    + "(tokens without vm_access, or all with -auth.accessRulesFirst); a verified token no rule matches and without vm_access is 403 no_access_rule; "
                    + "reloaded on change and SIGHUP, an invalid file keeps the last good rules"),
            FlagSpec.of("auth.accessRulesCheckInterval", DURATION, "10s", "How often -auth.accessRules is re-read; 0 turns periodic checks off (SIGHUP still reloads)"),
            FlagSpec.of("auth.accessRulesFirst", BOOL, "false", "Consult -auth.accessRules before a token's own vm_access claim "
                    + "(a token no rule matches still uses its vm_access)"),
            FlagSpec.of("auth.clockSkew", DURATION, "10s", "Tolerance for exp, nbf and iat"),
            FlagSpec.of("auth.tokenCacheSize", INT, "100000", "Verified tokens kept (by SHA-256 of the token) until their expiry"),
            FlagSpec.of("auth.insecureSkipSignatureVerification", BOOL, "false", "Accept tokens without checking signatures (vmgateway's keyless mode). "
                    + "Insecure: anyone can mint a token. Logged at start and exported as tsgate_auth_signature_verification_disabled"),
            FlagSpec.of("http.header.hsts", STRING, "", "Strict-Transport-Security value added to every HTTP response and denial"),
            FlagSpec.of("http.header.csp", STRING, "", "Content-Security-Policy value added to every HTTP response and denial"),
            FlagSpec.of("http.header.frameOptions", STRING, "", "X-Frame-Options value added to every HTTP response and denial"),
            FlagSpec.of("http.trustedProxyHops", INT, "0", "How many X-Forwarded-For hops (from the right) were added by proxies you trust; "
                    + "the client address logged is the next one. 0: the peer address Envoy reports"),
            FlagSpec.of("http.headerReadTimeout", DURATION, "5s", "How long the HTTP listener waits for a request's "
                    + "headers, from its first byte (a new connection: from accept, TLS handshake included); then the "
                    + "connection is closed. A slow or half-sent request costs its own connection, never the listener"),
            FlagSpec.of("http.idleConnTimeout", DURATION, "1m", "Timeout for incoming idle HTTP connections: no next "
                    + "request, or no body bytes, for this long closes the connection"),
            FlagSpec.of("http.maxHeaderBytes", SIZE, "1048576", "Longest HTTP request line, and largest header block, the "
                    + "HTTP listener reads (VictoriaMetrics accepts 1MiB); longer ones get 414 or 431 and the connection is closed"),
            FlagSpec.of("http.maxHeaders", INT, "200", "Most header fields in one HTTP request; more get 431 and the "
                    + "connection is closed"),
            FlagSpec.of("http.shutdownDelay", DURATION, "0s", "On SIGTERM, how long /ready answers 503 and gRPC health "
                    + "NOT_SERVING while tsgate still decides every request, so load balancers and Envoy stop sending "
                    + "new ones before it drains (VictoriaMetrics' flag; /health stays 200 until exit)"),
            FlagSpec.of("http.maxGracefulShutdownDuration", DURATION, "7s", "After -http.shutdownDelay, the longest "
                    + "wait for requests in flight (Checks, ext_proc streams, HTTP requests) once no new connection is "
                    + "accepted, gRPC clients got GOAWAY and HTTP keep-alive ends; what is left is then cut"),
            FlagSpec.of("loggerFormat", STRING, "default", "Log format: default (text) or json"),
            FlagSpec.of("loggerLevel", STRING, "INFO", "Minimum log level: DEBUG, INFO, WARN, ERROR, FATAL or PANIC "
                    + "(VictoriaMetrics' levels; tsgate writes no FATAL or PANIC lines, so those two silence its log; "
                    + "a start-up error is still printed). Denials are WARN lines, allowed requests (-accessLog) INFO"),
            FlagSpec.of("loggerOutput", STRING, "stderr", "Where log lines go: stderr or stdout"),
            FlagSpec.of("loggerDisableTimestamps", BOOL, "false", "Leave the timestamp out of log lines"),
            FlagSpec.of("loggerWarnsPerSecondLimit", INT, "100", "Most WARN lines written per second, denial lines and "
                    + "the other WARN lines each (a flood of denials never silences the rest); lines past it are counted "
                    + "in tsgate_log_lines_suppressed_total and summarised in one line per second. 0: no cap (VictoriaMetrics' default; tsgate caps so a flood of bad credentials cannot "
                    + "flood its log)"),
            FlagSpec.of("loggerErrorsPerSecondLimit", INT, "0", "Most ERROR lines written per second, the rest counted "
                    + "and summarised like WARN lines; 0: no cap"),
            FlagSpec.of("accessLog", BOOL, "false", "Log one INFO line per allowed request too (denials are always WARN lines, under -loggerWarnsPerSecondLimit)"),
            // forward-auth
            FlagSpec.of("forwardAuth.proxyAppliesPath", BOOL, "false", "The proxy in front of /authz/… (Envoy http_service) "
                    + "and /authz-forwarded (Traefik, Caddy) forwards x-tsgate-path as the request target (an Envoy Lua filter, "
                    + "a Caddy rewrite). Unset, those endpoints deny (403) requests whose rewrite carries the confinement "
                    + "(-clusterMode paths, tokens with labels or filters), which such a proxy would forward unconfined; "
                    + "for logs and traces it also sets AccountID and ProjectID from the response, so unset, every logs "
                    + "and traces allow is denied (nginx included). /authz-nginx relies on the shipped nginx config for "
                    + "metrics, which applies it"),
            // ingest: ext_proc write accounting
            FlagSpec.of("ingest.maxBodyBytes", SIZE, "8388608", "Largest write body (as sent, before Content-Encoding) that ext_proc "
                    + "counts; a larger one is refused with 413. Set Envoy's per_connection_buffer_limit_bytes on the listener "
                    + "to the same value: in BUFFERED mode Envoy answers 413 itself above it"),
            FlagSpec.of("ingest.maxDecodedBytes", SIZE, "33554432", "Largest write body after Content-Encoding (gzip, deflate, "
                    + "zstd, snappy); a body that inflates past it is refused with 413 (VictoriaMetrics' -maxInsertRequestSize default)"),
            FlagSpec.of("ingest.concurrency", INT, "0", "Threads that decode and count write bodies, off the gRPC transport "
                    + "threads (a body never holds up ext_authz Checks); 0: one per CPU core"),
            FlagSpec.of("ingest.queueSize", INT, "0", "Write bodies that may wait for a counting thread; when all wait slots "
                    + "are taken the write is refused at once with 503 (write_counting_overloaded). 0: 2 per -ingest.concurrency thread"),
            FlagSpec.of("ingest.countTimeout", DURATION, "1s", "Longest a write body may take from its arrival (waiting included) "
                    + "to the end of its count; past it the write is refused with 503 (write_counting_timeout). Keep it below "
                    + "Envoy's ext_proc message_timeout (2s in envoy/*.yaml) less the limiter's round trip"),
            FlagSpec.of("ratelimit.uncountableWrites", STRING, "deny", "Metrics writes of tenants with row or series "
                    + "limits that tsgate cannot count: in a format it does not decode (native, Datadog, OpenTelemetry, "
                    + "New Relic, …; reason write_format_uncountable), or where no body is counted (forward-auth: nginx, "
                    + "Traefik, Caddy, Envoy http_service; ext_authz on a route without ext_proc; reason "
                    + "write_not_countable). deny (403) or allow (uncounted)"),
            FlagSpec.of("extAuthz.bodyCounting", STRING, "none", "What follows an ext_authz Check on routes whose Envoy "
                    + "config sets no body_counting context extension: none (nothing counts write bodies, so limited "
                    + "tenants' writes follow -ratelimit.uncountableWrites) or ext_proc (tsgate's ext_proc filter runs on "
                    + "every such route, e.g. Istio, which cannot set context extensions). tsgate envoy-config and the "
                    + "shipped Envoy configs set body_counting: ext_proc per route"),
            // rate limits
            FlagSpec.of("enable.rateLimit", BOOL, "false", "Enforce the per-tenant limits of -ratelimit.config (429 when over)"),
            FlagSpec.of("ratelimit.config", STRING, "", "vmgateway limit file (YAML): a path or an http(s):// URL; reloaded on SIGHUP and every -ratelimit.configCheckInterval, an invalid file keeps the old limits"),
            FlagSpec.of("ratelimit.configCheckInterval", DURATION, "30s", "How often -ratelimit.config is re-read; 0 turns periodic checks off (SIGHUP still reloads)"),
            FlagSpec.of("ratelimit.backend", STRING, "local", "Where usage is counted: local (this process), redis (shared by replicas, -redis.url) or datasource (PromQL against -datasource.url). "
                    + "Not given: datasource when -datasource.url is set (as in vmgateway), else local"),
            FlagSpec.of("ratelimit.failureMode", STRING, "open", "When the backend cannot answer: open (allow, uncounted) or closed (429 limit_backend_unavailable)"),
            FlagSpec.of("ratelimit.refreshInterval", DURATION, "5s", "How often the datasource backend runs its usage queries"),
            FlagSpec.of("ratelimit.extraLabels", LIST, "", "name=value label filters added to the datasource backend's default queries (e.g. job=tsgate)"),
            FlagSpec.of("ratelimit.query.queries", STRING, "", "PromQL replacing the datasource backend's default usage query for queries limits ($window, $resolution, $filters, $labels)"),
            FlagSpec.of("ratelimit.query.rows_inserted", STRING, "", "PromQL replacing the default usage query for rows_inserted limits"),
            FlagSpec.of("ratelimit.query.new_series", STRING, "", "PromQL replacing the default usage query for new_series limits"),
            FlagSpec.of("ratelimit.query.active_series", STRING, "", "PromQL replacing the default usage query for active_series limits"),
            new FlagSpec("redis.url", STRING, "", "Redis for -ratelimit.backend=redis: redis://[user:password@]host:port[/db] or rediss://…", true),
            FlagSpec.of("redis.clusterMode", BOOL, "false", "-redis.url names a Redis Cluster node (keys are hash-tagged per tenant)"),
            FlagSpec.of("redis.timeout", DURATION, "1s", "Timeout of one limit check in Redis; then -ratelimit.failureMode applies"),
            FlagSpec.of("datasource.url", STRING, "", "Prometheus-compatible query API (VictoriaMetrics, vmselect …/prometheus) for -ratelimit.backend=datasource"),
            FlagSpec.of("datasource.basicAuth.username", STRING, "", "Basic auth user for -datasource.url"),
            new FlagSpec("datasource.basicAuth.password", STRING, "", "Basic auth password for -datasource.url", true),
            FlagSpec.of("datasource.basicAuth.passwordFile", STRING, "", "File holding the basic auth password for -datasource.url"),
            new FlagSpec("datasource.bearerToken", STRING, "", "Bearer token for -datasource.url", true),
            FlagSpec.of("datasource.bearerTokenFile", STRING, "", "File holding the bearer token for -datasource.url"),
            FlagSpec.of("datasource.tlsCAFile", STRING, "", "CA certificates (PEM) that verify an https -datasource.url"),
            FlagSpec.of("datasource.tlsCertFile", STRING, "", "Client certificate (PEM) for an https -datasource.url"),
            FlagSpec.of("datasource.tlsKeyFile", STRING, "", "Client key (PEM, PKCS#8) for -datasource.tlsCertFile"),
            FlagSpec.of("datasource.tlsInsecureSkipVerify", BOOL, "false", "Do not verify the certificate of an https -datasource.url (insecure)"),
            // key sources, API keys, mutual TLS
            FlagSpec.of("auth.jwksEndpoints", LIST, "", "JWKS URLs whose keys verify JWTs; fetched in the background, never on the request path; "
                    + "URL|issuer=ISS|audience=AUD binds the keys to tokens of that issuer (a {tenantid} in ISS is the token's tid) and audience"),
            FlagSpec.of("auth.oidcDiscoveryEndpoints", LIST, "", "OpenID Connect discovery URLs (…/.well-known/openid-configuration); their jwks_uri is fetched like -auth.jwksEndpoints "
                    + "and their keys verify only tokens whose iss is the document's issuer; URL|audience=AUD sets the audience "
                    + "(required for multi-tenant documents such as Entra's common and organizations)"),
            FlagSpec.of("auth.jwksRefreshInterval", DURATION, "5m", "How often JWKS keys are re-fetched; the last good key set stays in force when a fetch fails"),
            FlagSpec.of("auth.jwksMinRefreshInterval", DURATION, "30s", "A token with an unknown kid triggers a background re-fetch at most this often; "
                    + "also the retry interval until the first key set is loaded"),
            FlagSpec.of("auth.jwksTimeout", DURATION, "5s", "Connect and read timeout for JWKS and discovery fetches"),
            FlagSpec.of("auth.jwksTLSCAFile", STRING, "", "PEM CA certificates trusted for https JWKS and discovery endpoints (default: the JVM's trust store)"),
            FlagSpec.of("apikeys.httpHeader", STRING, "X-Api-Key", "Request header carrying an API key"),
            FlagSpec.of("apikeys.file", STRING, "", "YAML file of API key entries (only SHA-256 hashes; see tsgate apikey create); re-read every -apikeys.syncInterval"),
            new FlagSpec("apikeys.redisUrl", STRING, "", "Redis URL (redis://[:password@]host:port[/db]) whose hash -apikeys.redisKey holds API key entries, for fleets", true),
            FlagSpec.of("apikeys.redisKey", STRING, "tsgate:apikeys", "Redis hash of API keys: field = key name, value = the entry as JSON"),
            FlagSpec.of("apikeys.syncInterval", DURATION, "30s", "How often API keys are re-read; a broken or unreachable source keeps the last good set"),
            FlagSpec.of("apikeys.nameLabel", STRING, "", "When set, requests of API keys that may write get the extra label NAME=<key name>: per-key namespaces (read-only keys keep their own labels)"),
            FlagSpec.of("tlsCAFile", STRING, "", "PEM CA certificates: the gRPC listener (with -tls) then requires client certificates signed by them (mutual TLS)"));

    private static final Map<String, FlagSpec> BY_NAME = index();

    private FlagCatalogue() {
    }

    /** README's flag table, one row per flag; a test keeps README equal to this. */
    public static String markdownTable() {
        StringBuilder b = new StringBuilder("| flag | default | what it does |\n|---|---|---|\n");
        for (FlagSpec f : FLAGS) {
            String def = f.defaultValue().isEmpty() ? "" : "`" + f.defaultValue() + "`";
            String help = f.kind() == FlagKind.SIZE
                    ? f.help() + " (bytes; suffixes KB, MB, GB, TB or KiB, MiB, GiB, TiB as in VictoriaMetrics)" : f.help();
            b.append("| `-").append(f.name()).append("` | ").append(def).append(" | ")
                    .append(help.replace("|", "\\|")).append(" |\n");
        }
        return b.toString();
    }

    /** README's table of vmgateway flags tsgate ignores or refuses; a test keeps README equal to this. */
    public static String vmgatewayMarkdownTable() {
        StringBuilder b = new StringBuilder("| vmgateway flag | tsgate | why, and what to do |\n|---|---|---|\n");
        for (VmgatewayFlag f : VMGATEWAY_ONLY) {
            b.append("| `-").append(f.name()).append("` | ").append(f.refused() ? "refused: start-up stops" : "ignored, one WARN line")
                    .append(" | ").append(f.note().replace("|", "\\|")).append(" |\n");
        }
        return b.toString();
    }

    public static FlagSpec find(String name) {
        return BY_NAME.get(name);
    }

    private static Map<String, FlagSpec> index() {
        Map<String, FlagSpec> m = new LinkedHashMap<>();
        for (FlagSpec f : FLAGS) {
            m.put(f.name(), f);
        }
        return Map.copyOf(m);
    }

    private static final String NO_DATA_FILES = "tsgate keeps no data files";
    private static final String DATASOURCE_QUERIES = "the datasource backend sends one instant query per limit type "
            + "and window (see -ratelimit.query.*)";

    /**
     * vmgateway's flags (its documented flag list) that tsgate does not serve under the same name and meaning. A
     * flag with no tsgate counterpart is taken with one WARN line when ignoring it cannot loosen access or hide a
     * setting the operator relies on; otherwise it stops start-up, saying what to do. README's "Coming from
     * vmgateway / vmauth" table is checked against this list.
     */
    public static final List<VmgatewayFlag> VMGATEWAY_ONLY = List.of(
            VmgatewayFlag.ignored("eula", BOOL, "tsgate is open source and needs no licence"),
            VmgatewayFlag.ignored("license", STRING, "tsgate is open source and needs no licence"),
            VmgatewayFlag.ignored("licenseFile", STRING, "tsgate is open source and needs no licence"),
            VmgatewayFlag.ignored("license.forceOffline", BOOL, "tsgate is open source and needs no licence"),
            VmgatewayFlag.ignored("read.url", STRING, "tsgate does not proxy: Envoy (or nginx) routes requests to "
                    + "VictoriaMetrics. Give the same -read.url and -write.url to `tsgate envoy-config` to print an Envoy "
                    + "bootstrap that routes there"),
            VmgatewayFlag.ignored("write.url", STRING, "tsgate does not proxy: Envoy (or nginx) routes requests to "
                    + "VictoriaMetrics. Give the same -read.url and -write.url to `tsgate envoy-config` to print an Envoy "
                    + "bootstrap that routes there"),
            VmgatewayFlag.ignored("datasource.appendTypePrefix", BOOL, DATASOURCE_QUERIES + " to -datasource.url as given"),
            VmgatewayFlag.ignored("datasource.disableKeepAlive", BOOL, "the datasource client keeps its connections"),
            VmgatewayFlag.ignored("datasource.disableStepParam", BOOL, DATASOURCE_QUERIES + " without a step"),
            VmgatewayFlag.ignored("datasource.lookback", DURATION, DATASOURCE_QUERIES + " at the current time"),
            VmgatewayFlag.ignored("datasource.maxIdleConnections", INT, "the datasource client keeps one connection pool"),
            VmgatewayFlag.ignored("datasource.queryStep", DURATION, DATASOURCE_QUERIES + " without a step"),
            VmgatewayFlag.ignored("datasource.queryTimeAlignment", BOOL, DATASOURCE_QUERIES + " at the current time"),
            VmgatewayFlag.ignored("datasource.roundDigits", INT, DATASOURCE_QUERIES + " and reads full precision"),
            VmgatewayFlag.ignored("datasource.showURL", BOOL, "tsgate never shows datasource credentials and logs "
                    + "-datasource.url without them"),
            VmgatewayFlag.refused("datasource.headers", STRING, "extra datasource headers are not sent; authenticate with "
                    + "-datasource.basicAuth.* or -datasource.bearerToken(File)"),
            VmgatewayFlag.refused("datasource.oauth2.clientID", STRING, "OAuth2 for the datasource is not implemented; "
                    + "use -datasource.bearerTokenFile with a token your identity provider renews, or basic auth"),
            VmgatewayFlag.refused("datasource.oauth2.clientSecret", STRING, "OAuth2 for the datasource is not implemented; "
                    + "use -datasource.bearerTokenFile or -datasource.basicAuth.*"),
            VmgatewayFlag.refused("datasource.oauth2.clientSecretFile", STRING, "OAuth2 for the datasource is not "
                    + "implemented; use -datasource.bearerTokenFile or -datasource.basicAuth.*"),
            VmgatewayFlag.refused("datasource.oauth2.scopes", STRING, "OAuth2 for the datasource is not implemented; "
                    + "use -datasource.bearerTokenFile or -datasource.basicAuth.*"),
            VmgatewayFlag.refused("datasource.oauth2.tokenUrl", STRING, "OAuth2 for the datasource is not implemented; "
                    + "use -datasource.bearerTokenFile or -datasource.basicAuth.*"),
            VmgatewayFlag.refused("datasource.tlsServerName", STRING, "the datasource certificate is checked against the "
                    + "host of -datasource.url; use a URL whose host name the certificate carries"),
            VmgatewayFlag.refused("remoteRead.disablePathAppend", BOOL, "the datasource backend always appends "
                    + "/api/v1/query to -datasource.url; give the URL without that path"),
            VmgatewayFlag.ignored("enableTCP6", BOOL, "tsgate listens on the addresses -httpListenAddr and "
                    + "-grpcListenAddr name, IPv6 ones included"),
            VmgatewayFlag.ignored("filestream.disableFadvise", BOOL, NO_DATA_FILES),
            VmgatewayFlag.ignored("fs.disableMmap", BOOL, NO_DATA_FILES),
            VmgatewayFlag.ignored("internStringCacheExpireDuration", DURATION, "tsgate has no string interning cache"),
            VmgatewayFlag.ignored("internStringDisableCache", BOOL, "tsgate has no string interning cache"),
            VmgatewayFlag.ignored("internStringMaxLen", INT, "tsgate has no string interning cache"),
            VmgatewayFlag.ignored("memory.allowedBytes", SIZE, "size tsgate's memory with the JVM's -Xmx"),
            VmgatewayFlag.ignored("memory.allowedPercent", STRING, "size tsgate's memory with the JVM's "
                    + "-XX:MaxRAMPercentage"),
            VmgatewayFlag.ignored("flagsAuthKey", STRING, "tsgate serves no /flags page"),
            VmgatewayFlag.ignored("pprofAuthKey", STRING, "tsgate serves no /debug/pprof pages"),
            VmgatewayFlag.refused("httpAuth.username", STRING, "the HTTP listener has no basic auth; keep "
                    + "-httpListenAddr on an address only your scraper and proxies reach"),
            VmgatewayFlag.refused("httpAuth.password", STRING, "the HTTP listener has no basic auth; keep "
                    + "-httpListenAddr on an address only your scraper and proxies reach"),
            VmgatewayFlag.ignored("http.connTimeout", DURATION, "connections stay open until -http.idleConnTimeout"),
            VmgatewayFlag.ignored("http.disableResponseCompression", BOOL, "tsgate's responses are small and never "
                    + "compressed"),
            VmgatewayFlag.refused("http.pathPrefix", STRING, "tsgate serves /metrics, /health, /ready and /authz… at the "
                    + "root; strip the prefix in the proxy in front of it"),
            VmgatewayFlag.refused("httpListenAddr.useProxyProtocol", BOOL, "the PROXY protocol is not read; client "
                    + "addresses come from X-Forwarded-For (-http.trustedProxyHops) or the peer Envoy reports"),
            VmgatewayFlag.ignored("loggerJSONFields", STRING, "JSON log fields keep their names (ts, level, logger, msg "
                    + "and each field of the line)"),
            VmgatewayFlag.ignored("loggerTimezone", STRING, "log timestamps are in UTC"),
            VmgatewayFlag.refused("pushmetrics.url", LIST, "tsgate does not push metrics; scrape /metrics on "
                    + "-httpListenAddr (vmagent or Prometheus)"),
            VmgatewayFlag.ignored("pushmetrics.extraLabel", LIST, "tsgate does not push metrics; add labels in the "
                    + "scrape config"),
            VmgatewayFlag.ignored("pushmetrics.interval", DURATION, "tsgate does not push metrics"));

    private static final Map<String, VmgatewayFlag> VMGATEWAY_BY_NAME = vmgatewayIndex();

    /** The vmgateway-only flag of that name, or null (also null for every flag tsgate serves itself). */
    public static VmgatewayFlag findVmgateway(String name) {
        return find(name) != null ? null : VMGATEWAY_BY_NAME.get(name);
    }

    private static Map<String, VmgatewayFlag> vmgatewayIndex() {
        Map<String, VmgatewayFlag> m = new LinkedHashMap<>();
        for (VmgatewayFlag f : VMGATEWAY_ONLY) {
            m.put(f.name(), f);
        }
        return Map.copyOf(m);
    }
}
