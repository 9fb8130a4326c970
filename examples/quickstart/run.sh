#!/usr/bin/env bash
# tsgate quickstart: nginx as the data plane, tsgate deciding every request, VictoriaMetrics
# behind them, two teams writing with vmagent and reading with their own tokens.
#
#   examples/quickstart/run.sh
#
# On a fresh Debian machine run it as root: it installs what is missing (victoria-metrics,
# nginx, curl, a JDK and Maven to build the jar). Everything runs on 127.0.0.1 on free ports in
# a temporary directory that is removed at the end, with every process it started.
#
# Environment: TSGATE_JAR=path uses that jar instead of building target/tsgate.jar;
# QUICKSTART_KEEP=1 keeps the temporary directory (logs) for a look afterwards.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/tsgate-quickstart.XXXXXX)
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ "${QUICKSTART_KEEP:-}" == 1 ]]; then
        echo "logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

say() { printf '==> %s\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

# ---- 1. what is needed ------------------------------------------------------------------------
APT_UPDATED=
need() { # need BINARY PACKAGE
    command -v "$1" >/dev/null 2>&1 || [[ -x "$1" ]] && return 0
    if [[ $(id -u) -ne 0 ]]; then
        die "$1 is missing; install it with: sudo apt-get update && sudo apt-get install -y $2"
    fi
    if [[ -z "$APT_UPDATED" ]]; then
        say "apt-get update"
        apt-get update -qq
        APT_UPDATED=1
    fi
    say "installing $2"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need /usr/bin/victoria-metrics victoria-metrics
need /usr/bin/vmagent victoria-metrics
need /usr/sbin/nginx nginx
need curl curl
need java default-jre-headless

JAR=${TSGATE_JAR:-}
if [[ -z "$JAR" ]]; then
    need mvn maven
    need javac default-jdk-headless
    say "building target/tsgate.jar"
    (cd "$REPO" && mvn -B -q -DskipTests package) >"$WORK/build.log" 2>&1 \
        || { tail -20 "$WORK/build.log"; die "build failed (log above)"; }
    JAR=$REPO/target/tsgate.jar
fi
[[ -f "$JAR" ]] || die "no jar at $JAR"
tsgate() { java -jar "$JAR" "$@"; }

# ---- 2. ports, keys, tokens -------------------------------------------------------------------
# Ports come from below the kernel's ephemeral range: a port in it can be taken between this check and the bind by
# the local end of any outgoing connection (nginx once failed to start that way while other tests ran).
EPHEMERAL_LOW=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
if ((EPHEMERAL_LOW > 12000)); then PORT_BASE=10000; PORT_SPAN=$((EPHEMERAL_LOW - 10000)); else PORT_BASE=20000; PORT_SPAN=40000; fi
PICKED=" "
free_port() { # free_port VAR: a port nothing listens on and not picked before
    local p
    while :; do
        p=$((PORT_BASE + (RANDOM * 32768 + RANDOM) % PORT_SPAN))
        [[ $PICKED == *" $p "* ]] && continue
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { PICKED+="$p "; printf -v "$1" '%s' "$p"; return; }
    done
}
free_port VM_PORT; free_port TS_HTTP; free_port TS_GRPC; free_port NGINX_PORT
free_port AGENT_DEV; free_port AGENT_PROD

say "keys and tokens in $WORK/keys"
mkdir -p "$WORK/keys" "$WORK/other"
tsgate token keygen -family=Ed25519 -dir="$WORK/keys" -name=quickstart >/dev/null
tsgate token keygen -family=Ed25519 -dir="$WORK/other" -name=quickstart >/dev/null   # a key tsgate does not trust
KEY=$WORK/keys/quickstart.key
mint() { tsgate token -key="$KEY" -kid=quickstart "$@"; }
DEV_WRITE=$(mint -sub=dev-agent -mode=write -label=team=dev)
PROD_WRITE=$(mint -sub=prod-agent -mode=write -label=team=prod)
DEV_READ=$(mint -sub=dev-reader -mode=read -label=team=dev)
PROD_READ=$(mint -sub=prod-reader -mode=read -label=team=prod)
EXPIRED=$(mint -sub=dev-reader -mode=read -label=team=dev -ttl=-5m)
FORGED=$(tsgate token -key="$WORK/other/quickstart.key" -kid=quickstart -sub=mallory -mode=read)
# Tenant 7:0 has a limit of 2 queries per hour (below); the other tokens use tenant 0:0, which has none.
LIMITED=$(mint -sub=tenant7-reader -mode=read -account=7 -label=team=dev)
cat >"$WORK/limits.yaml" <<'EOF'
limits:
  - type: queries
    value: 2
    resolution: hour
    account_id: 7
    project_id: 0
EOF

# ---- 3. VictoriaMetrics, tsgate, nginx --------------------------------------------------------
wait_for() { # wait_for WHAT URL LOG
    local i
    for ((i = 0; i < 300; i++)); do
        curl -fsS -o /dev/null "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    tail -20 "$3" >&2 || true
    die "$1 did not come up ($2)"
}

say "starting VictoriaMetrics on 127.0.0.1:$VM_PORT"
/usr/bin/victoria-metrics -httpListenAddr="127.0.0.1:$VM_PORT" -storageDataPath="$WORK/vm" \
    -search.latencyOffset=0s -search.disableCache >"$WORK/victoria-metrics.log" 2>&1 &
PIDS+=($!)
wait_for VictoriaMetrics "http://127.0.0.1:$VM_PORT/health" "$WORK/victoria-metrics.log"

say "starting tsgate on 127.0.0.1:$TS_HTTP (HTTP) and 127.0.0.1:$TS_GRPC (gRPC)"
java -jar "$JAR" -httpListenAddr="127.0.0.1:$TS_HTTP" -grpcListenAddr="127.0.0.1:$TS_GRPC" \
    -auth.publicKeyFiles="$WORK/keys/quickstart.pem" -http.trustedProxyHops=1 \
    -enable.rateLimit -ratelimit.config="$WORK/limits.yaml" >"$WORK/tsgate.log" 2>&1 &
PIDS+=($!)
wait_for tsgate "http://127.0.0.1:$TS_HTTP/ready" "$WORK/tsgate.log"

say "starting nginx on 127.0.0.1:$NGINX_PORT with examples/nginx/tsgate.conf"
# nginx workers run as nobody when started by root: the prefix must be readable, temp dirs writable.
chmod 755 "$WORK"
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
chmod 755 "$WORK/nginx"
chmod 1777 "$WORK/nginx/tmp"
sed -e "s/server 127.0.0.1:8431;/server 127.0.0.1:$TS_HTTP;/" \
    -e "s/server 127.0.0.1:8428;/server 127.0.0.1:$VM_PORT;/" \
    -e "s/listen 127.0.0.1:8427;/listen 127.0.0.1:$NGINX_PORT;/" \
    "$REPO/examples/nginx/tsgate.conf" >"$WORK/nginx/tsgate.conf"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log $WORK/nginx/logs/access.log;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $WORK/nginx/tsgate.conf;
}
EOF
/usr/sbin/nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" \
    -g 'daemon off;' >"$WORK/nginx/logs/stdout.log" 2>&1 &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && break
    sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null || { cat "$WORK/nginx/logs/error.log" >&2; die "nginx did not come up"; }

# ---- 4. two teams write through nginx with vmagent ---------------------------------------------
start_agent() { # start_agent TEAM PORT TOKEN
    /usr/bin/vmagent -httpListenAddr="127.0.0.1:$2" -remoteWrite.url="http://127.0.0.1:$NGINX_PORT/api/v1/write" \
        -remoteWrite.bearerToken="$3" -remoteWrite.tmpDataPath="$WORK/vmagent-$1" -remoteWrite.flushInterval=200ms \
        >"$WORK/vmagent-$1.log" 2>&1 &
    PIDS+=($!)
    wait_for "vmagent ($1)" "http://127.0.0.1:$2/health" "$WORK/vmagent-$1.log"
}
say "vmagent for team dev and team prod, remote-writing through nginx with write tokens"
start_agent dev "$AGENT_DEV" "$DEV_WRITE"
start_agent prod "$AGENT_PROD" "$PROD_WRITE"
# The dev agent claims team="prod" in its data: its token's label wins.
curl -fsS -X POST "http://127.0.0.1:$AGENT_DEV/api/v1/import/prometheus" --data-binary @- <<'EOF'
quickstart_requests_total{service="api",team="prod"} 41
quickstart_requests_total{service="web"} 7
EOF
curl -fsS -X POST "http://127.0.0.1:$AGENT_PROD/api/v1/import/prometheus" --data-binary @- <<'EOF'
quickstart_requests_total{service="billing"} 1234
EOF
# Until all three series answer an instant query (straight from VictoriaMetrics, no tsgate).
COUNT_Q="http://127.0.0.1:$VM_PORT/api/v1/query?query=count(quickstart_requests_total)"
arrived=
for ((i = 0; i < 300; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$VM_PORT/internal/force_flush" || true
    if curl -fsS "$COUNT_Q" 2>/dev/null | grep -q '"value":\[[0-9.]*,"3"\]'; then
        arrived=1
        break
    fi
    sleep 0.1
done
[[ -n "$arrived" ]] || die "the writes did not arrive in VictoriaMetrics (see $WORK/vmagent-*.log)"

# ---- 5. what each credential may do -----------------------------------------------------------
NGINX=http://127.0.0.1:$NGINX_PORT
PASS=0
FAIL=0
printf '\n%-26s %-46s %-4s %-4s %s\n' "credential" "request" "want" "got" "result"
printf '%-26s %-46s %-4s %-4s %s\n' "----------" "-------" "----" "---" "------"
row() { # row CREDENTIAL_NAME TOKEN WANT METHOD PATH [BODY]
    local name=$1 token=$2 want=$3 method=$4 path=$5 body=${6-} auth=() got seen services verdict mark
    [[ -n "$token" ]] && auth=(-H "Authorization: Bearer $token")
    if [[ "$method" == POST ]]; then
        got=$(curl -sS -o "$WORK/body" -w '%{http_code}' "${auth[@]}" -H 'Content-Type: text/plain' \
            -X POST --data-binary "$body" "$NGINX$path")
    else
        got=$(curl -sS -o "$WORK/body" -w '%{http_code}' "${auth[@]}" "$NGINX$path")
    fi
    if [[ "$got" == 200 ]]; then
        seen=$({ grep -o '"team":"[a-z]*"' "$WORK/body" || true; } | sed 's/"team":"\(.*\)"/\1/' | sort -u | paste -sd, -)
        services=$({ grep -o '"service":"[a-z]*"' "$WORK/body" || true; } | sed 's/"service":"\(.*\)"/\1/' | sort -u | paste -sd, -)
        verdict="allowed: sees team=${seen:-nothing} (service=${services:-none})"
    elif [[ "$got" == 204 ]]; then
        verdict="allowed: written"
    else
        verdict="denied: $({ grep -o '"error":"[^"]*"' "$WORK/body" || true; } | head -1 | cut -c10- | tr -d '"' | cut -c1-60)"
    fi
    if [[ "$got" == "$want" ]]; then PASS=$((PASS + 1)); mark=; else FAIL=$((FAIL + 1)); mark="  <-- UNEXPECTED"; fi
    printf '%-26s %-46s %-4s %-4s %s\n' "$name" "$method $(printf '%s' "$path" | cut -c1-40)" "$want" "$got" "$verdict$mark"
}
Q='/api/v1/query?query=sum+by+(team,service)(quickstart_requests_total)'
row "dev read token" "$DEV_READ" 200 GET "$Q"
row "prod read token" "$PROD_READ" 200 GET "$Q"
row "dev read + extra_label" "$DEV_READ" 200 GET "$Q&extra_label=team=prod"
row "dev read token" "$DEV_READ" 200 GET "/api/v1/series?match[]=quickstart_requests_total"
row "no token" "" 401 GET "$Q"
row "expired token" "$EXPIRED" 401 GET "$Q"
row "token signed by other key" "$FORGED" 401 GET "$Q"
row "dev write token" "$DEV_WRITE" 403 GET "$Q"
row "dev read token" "$DEV_READ" 403 POST "/api/v1/import/prometheus" 'quickstart_requests_total{service="x"} 1'
row "dev write token" "$DEV_WRITE" 204 POST "/api/v1/import/prometheus" 'quickstart_imported 1'
row "dev read token" "$DEV_READ" 400 GET "/select/0:0/prometheus/api/v1/query?query=up"
row "dev read token" "$DEV_READ" 403 GET "/api/v1/admin/tsdb/delete_series?match[]=up"
# Tenant 7:0 may run 2 queries per hour: the third in one window gets 429 (nginx turns tsgate's x-tsgate-status
# into the real status). Windows are fixed hours, so if an hour ends between two reads the count restarts; five
# reads always hold three in one window.
limited_row() {
    local i got= verdict mark=
    for ((i = 1; i <= 5; i++)); do
        got=$(curl -sS -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $LIMITED" "$NGINX$Q")
        [[ "$got" == 429 ]] && break
    done
    verdict="denied: $({ grep -o '"error":"[^"]*"' "$WORK/body" || true; } | head -1 | cut -c10- | tr -d '"' | cut -c1-60)"
    if [[ "$got" == 429 ]]; then PASS=$((PASS + 1)); else FAIL=$((FAIL + 1)); verdict="no 429 after 5 reads"; mark="  <-- UNEXPECTED"; fi
    printf '%-26s %-46s %-4s %-4s %s\n' "tenant 7 (2 queries/hour)" "GET $(printf '%s' "$Q" | cut -c1-32) #$i" 429 "$got" "$verdict$mark"
}
limited_row
echo
if [[ $FAIL -eq 0 ]]; then
    echo "quickstart: all $PASS checks passed"
else
    echo "quickstart: $FAIL of $((PASS + FAIL)) checks did not match"
    exit 1
fi
