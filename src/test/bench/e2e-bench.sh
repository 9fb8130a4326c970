#!/usr/bin/env bash
# End-to-end benchmark: one read (GET /api/v1/query?query=up) through each data plane in front of the same
# VictoriaMetrics, in one run, with wrk -t2 -c32:
#
#   direct    VictoriaMetrics itself
#   plain     nginx proxy_pass to VictoriaMetrics, no auth (upstream keepalive, HTTP/1.1)
#   ceiling   nginx auth_request to a location that returns 200 at once, then the same proxy: the most any
#             auth_request data plane can do
#   tsgate    nginx with the shipped examples/nginx/tsgate.conf (only its three addresses changed) → tsgate
#             /authz-nginx: RS256 JWT with extra_labels {team="dev"}, the query forwarded with extra_label
#   vmauth    vmauth (Debian) with a bearer_token user proxying to the same VictoriaMetrics
#
# Prints every run, the median of each target and the ratios tsgate/vmauth (target >= 1.5), tsgate/plain
# (target >= 0.6) and tsgate/ceiling (aim >= 0.9): of the medians, and the median of the per-round ratios.
# Targets alternate within a round (the order reversed every other round) so that load from anything else on the
# machine hits all alike. Exits 1 if a target (1.5, 0.6) is missed.
#
# Usage: src/test/bench/e2e-bench.sh
# Env:   BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_JIT_SECONDS=30 BENCH_THREADS=2 BENCH_CONNECTIONS=32
#        BENCH_NGINX_WORKERS=auto BENCH_JVM_OPTS= BENCH_TSGATE_FLAGS=
# Loopback only, every port picked free. Every process it starts is stopped on exit. Not part of `mvn verify`.
# nginx runs with access_log off (vmauth and VictoriaMetrics log no request either); everything shares the
# machine's cores with wrk.
set -euo pipefail

cd "$(dirname "$0")/../../.."
. src/test/bench/bench-lib.sh
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
JIT_SECONDS=${BENCH_JIT_SECONDS:-30}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-auto}
READY_DEADLINE_S=60
SHIPPED_CONFIG=examples/nginx/tsgate.conf
QUERY='/api/v1/query?query=up'
VM_BIN=/usr/bin/victoria-metrics
VMAUTH_BIN=/usr/bin/vmauth
NGINX_BIN=/usr/sbin/nginx

die() { echo "e2e-bench: $*" >&2; exit 1; }

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || die "$tool not found; install it (apt-get install -y $tool)"
done
for bin in "$VM_BIN" "$VMAUTH_BIN"; do
    [ -x "$bin" ] || die "$bin not found; install it with: apt-get install -y victoria-metrics"
done
[ -x "$NGINX_BIN" ] || die "$NGINX_BIN not found; install it with: apt-get install -y nginx"

# --- build what is missing -------------------------------------------------------------------------------
bench_build

# nginx workers run as "nobody" when the master runs as root: the work directory must be world-readable.
bench_workdir e2e-bench
chmod 755 "$WORK"

# Free loopback ports, all distinct: the kernel picks them while every socket is still bound.
read -r VM_PORT VMAUTH_PORT TSGATE_PORT GRPC_PORT GATE_PORT PLAIN_PORT CEILING_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(7)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')


# --- VictoriaMetrics, with one `up` series per team --------------------------------------------------------
"$VM_BIN" "-storageDataPath=$WORK/vm" "-httpListenAddr=127.0.0.1:$VM_PORT" -loggerLevel=WARN \
    >"$WORK/vm.log" 2>&1 &
PIDS+=($!)
VM_PID=$!
wait_for victoria-metrics $! "$WORK/vm.log" curl -fs -o /dev/null "http://127.0.0.1:$VM_PORT/health"
# Two minutes old, so an instant query at now sees them (past -search.latencyOffset) within its 5-minute lookback.
ts=$(( ($(date +%s) - 120) * 1000 ))
printf 'up{team="dev",job="bench"} 1 %s\nup{team="ops",job="bench"} 1 %s\n' "$ts" "$ts" |
    curl -fsS --data-binary @- "http://127.0.0.1:$VM_PORT/api/v1/import/prometheus"
curl -fsS -o /dev/null "http://127.0.0.1:$VM_PORT/internal/force_flush"
series_of() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))'; }
deadline=$((SECONDS + READY_DEADLINE_S))
until [ "$(curl -fsS "http://127.0.0.1:$VM_PORT$QUERY" | series_of)" = 2 ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "VictoriaMetrics does not return the imported series"
    sleep 0.2
done

# --- tsgate ----------------------------------------------------------------------------------------------
JVM=(java -Xms256m -Xmx256m ${BENCH_JVM_OPTS:-})
"${JVM[@]}" -cp "$CP" io.tsgate.bench.BenchToken "$WORK/public.pem" "$WORK/token"
TOKEN=$(cat "$WORK/token")
"${JVM[@]}" -jar target/tsgate.jar "-auth.publicKeyFiles=$WORK/public.pem" -http.trustedProxyHops=1 \
    "-grpcListenAddr=127.0.0.1:$GRPC_PORT" "-httpListenAddr=127.0.0.1:$TSGATE_PORT" ${BENCH_TSGATE_FLAGS:-} \
    >"$WORK/tsgate.log" 2>&1 &
PIDS+=($!)
TSGATE_PID=$!
wait_for tsgate $! "$WORK/tsgate.log" curl -fs -o /dev/null "http://127.0.0.1:$TSGATE_PORT/ready"

# --- vmauth ----------------------------------------------------------------------------------------------
VMAUTH_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
cat >"$WORK/vmauth.yml" <<EOF
users:
  - bearer_token: "$VMAUTH_TOKEN"
    url_prefix: "http://127.0.0.1:$VM_PORT"
EOF
"$VMAUTH_BIN" "-auth.config=$WORK/vmauth.yml" "-httpListenAddr=127.0.0.1:$VMAUTH_PORT" -loggerLevel=WARN \
    >"$WORK/vmauth.log" 2>&1 &
PIDS+=($!)
VMAUTH_PID=$!
wait_for vmauth $! "$WORK/vmauth.log" port_open "$VMAUTH_PORT"

# --- nginx: the shipped config as it is, plus the plain proxy and the ceiling next to it -------------------
shipped=$(cat "$SHIPPED_CONFIG")
for addr in "server 127.0.0.1:8431;" "server 127.0.0.1:8428;" "listen 127.0.0.1:8427;"; do
    grep -qF "$addr" <<<"$shipped" || die "$SHIPPED_CONFIG no longer contains '$addr'"
done
shipped=${shipped//"server 127.0.0.1:8431;"/"server 127.0.0.1:$TSGATE_PORT;"}
shipped=${shipped//"server 127.0.0.1:8428;"/"server 127.0.0.1:$VM_PORT;"}
shipped=${shipped//"listen 127.0.0.1:8427;"/"listen 127.0.0.1:$GATE_PORT;"}
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  default_type application/octet-stream;

$shipped

  # Both use the shipped config's upstream "victoriametrics" (same keepalive pool settings).
  server {
    listen 127.0.0.1:$PLAIN_PORT;
    location / {
      proxy_pass http://victoriametrics;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
  server {
    listen 127.0.0.1:$CEILING_PORT;
    location = /_authz {
      internal;
      return 200;
    }
    location / {
      auth_request /_authz;
      proxy_pass http://victoriametrics;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
"$NGINX_BIN" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" -g 'daemon off;' \
    >"$WORK/nginx/stdout.log" 2>&1 &
PIDS+=($!)
NGINX_PID=$!
wait_for nginx $! "$WORK/nginx/logs/error.log" port_open "$CEILING_PORT"
NGINX_WORKER_PIDS=$(pgrep -P "$NGINX_PID" | tr '\n' ' ')

# --- targets ---------------------------------------------------------------------------------------------
LABELS=(direct plain ceiling tsgate vmauth)
declare -A URL
URL[direct]="http://127.0.0.1:$VM_PORT$QUERY"
URL[plain]="http://127.0.0.1:$PLAIN_PORT$QUERY"
URL[ceiling]="http://127.0.0.1:$CEILING_PORT$QUERY"
URL[tsgate]="http://127.0.0.1:$GATE_PORT$QUERY"
URL[vmauth]="http://127.0.0.1:$VMAUTH_PORT$QUERY"
headers_of() { # LABEL -> wrk/curl header arguments, one per line
    case "$1" in
        tsgate) printf '%s\n' -H "Authorization: Bearer $TOKEN" ;;
        vmauth) printf '%s\n' -H "Authorization: Bearer $VMAUTH_TOKEN" ;;
    esac
}

# Each target must answer the query before it is measured; through tsgate only team="dev" may come back, and a
# request without a credential must be refused by both gateways.
for label in "${LABELS[@]}"; do
    mapfile -t h < <(headers_of "$label")
    body=$(curl -fsS "${h[@]}" "${URL[$label]}") || die "$label: ${URL[$label]} did not answer 200"
    want=2
    [ "$label" = tsgate ] && want=1
    got=$(series_of <<<"$body")
    [ "$got" = "$want" ] || die "$label: $got series in $body, want $want"
done
grep -q '"team":"dev"' <<<"$(curl -fsS -H "Authorization: Bearer $TOKEN" "${URL[tsgate]}")" \
    || die "tsgate: the query was not confined to team=\"dev\""
for label in tsgate vmauth; do
    got=$(curl -sS -o /dev/null -w '%{http_code}' "${URL[$label]}")
    [ "$got" = 401 ] || die "$label: a request without a credential answered $got, want 401"
done

run_wrk() { # LABEL SECONDS OUT
    local label=$1 secs=$2 out=$3 proc
    declare -A before
    mapfile -t h < <(headers_of "$label")
    for proc in "${PROCS[@]}"; do before[$proc]=$(cpu_ticks "$proc"); done
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency "${h[@]}" "${URL[$label]}" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed on $label"; }
    for proc in "${PROCS[@]}"; do
        echo "cpu $proc $(( ($(cpu_ticks "$proc") - ${before[$proc]}) * TICK_US ))" >>"$out"
    done
    ! grep -q '^  Socket errors' "$out" || { cat "$out" >&2; die "$label: wrk saw socket errors"; }
    ! grep -q 'Non-2xx or 3xx responses' "$out" || { cat "$out" >&2; die "$label: non-2xx responses"; }
}
# CPU time each process spent, in clock ticks (user + system, all threads), read before and after each run: per
# request, it is a far steadier figure than req/s on a machine other work is using.
PROCS=(nginx tsgate vm vmauth)
pids_of() {
    case "$1" in
        nginx) echo "$NGINX_WORKER_PIDS" ;;
        tsgate) echo "$TSGATE_PID" ;;
        vm) echo "$VM_PID" ;;
        vmauth) echo "$VMAUTH_PID" ;;
    esac
}
cpu_ticks() { # PROC
    local total=0 pid
    for pid in $(pids_of "$1"); do
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo "$total"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))
rps_of() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
cpu_us_per_request() { # OUT PROC
    awk -v p="$2" '/requests in/ { n = $1 } $1 == "cpu" && $2 == p { c = $3 } END { printf "%.0f", c / n }' "$1"
}
cpu_line() { # OUT
    local proc line=""
    for proc in "${PROCS[@]}"; do line+=" $proc $(cpu_us_per_request "$1" "$proc")"; done
    echo "cpu us/request:$line"
}
p99_of() { awk '$1 == "99%" {print $2}' "$1"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "e2e-bench: wrk -t$THREADS -c$CONNECTIONS GET $QUERY, runs of ${SECONDS_PER_RUN}s, median of $ROUNDS rounds;" \
    "nginx worker_processes $NGINX_WORKERS; $(nproc) CPUs shared by everything, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# tsgate's JVM needs time under load before C2 has compiled its path (measured here with other builds running: the
# first 10 s cost tsgate ~190 us of CPU per request, then ~40, ~25 after a minute); the others get a short warm-up.
for label in "${LABELS[@]}"; do
    secs=3
    [ "$label" = tsgate ] && secs=$JIT_SECONDS
    run_wrk "$label" "$secs" "$WORK/$label-warm.txt"
    echo "  warm-up $label (${secs}s): $(rps_of "$WORK/$label-warm.txt") req/s"
done

declare -A RUNS
declare -A RATIOS
declare -A CPU
for round in $(seq 1 "$ROUNDS"); do
    order=("${LABELS[@]}")
    if [ $((round % 2)) = 0 ]; then
        order=()
        for ((i = ${#LABELS[@]} - 1; i >= 0; i--)); do order+=("${LABELS[$i]}"); done
    fi
    declare -A this
    for label in "${order[@]}"; do
        run_wrk "$label" "$SECONDS_PER_RUN" "$WORK/$label-$round.txt"
        this[$label]=$(rps_of "$WORK/$label-$round.txt")
        RUNS[$label]="${RUNS[$label]:-} ${this[$label]}"
        echo "  round $round $label: ${this[$label]} req/s, p99 $(p99_of "$WORK/$label-$round.txt");" \
            "$(cpu_line "$WORK/$label-$round.txt")"
        for proc in "${PROCS[@]}"; do
            CPU[$label.$proc]="${CPU[$label.$proc]:-} $(cpu_us_per_request "$WORK/$label-$round.txt" "$proc")"
        done
    done
    for other in vmauth plain ceiling; do
        RATIOS[$other]="${RATIOS[$other]:-} $(div "${this[tsgate]}" "${this[$other]}")"
    done
    echo "  round $round ratios: tsgate/vmauth $(div "${this[tsgate]}" "${this[vmauth]}")," \
        "tsgate/plain $(div "${this[tsgate]}" "${this[plain]}"), tsgate/ceiling $(div "${this[tsgate]}" "${this[ceiling]}")"
done

echo
printf '%-8s %-66s %12s   %s\n' target "GET $QUERY through" "median req/s" \
    "median CPU us/request: ${PROCS[*]}"
declare -A MED
for label in "${LABELS[@]}"; do
    MED[$label]=$(echo "${RUNS[$label]}" | median)
    case "$label" in
        direct) what="VictoriaMetrics $(dpkg-query -W -f='${Version}' victoria-metrics 2>/dev/null || true)" ;;
        plain) what="nginx proxy_pass, no auth" ;;
        ceiling) what="nginx auth_request to 'return 200', then proxy_pass" ;;
        tsgate) what="nginx + tsgate ($SHIPPED_CONFIG), JWT with extra_labels" ;;
        vmauth) what="vmauth $(dpkg-query -W -f='${Version}' victoria-metrics 2>/dev/null || true), bearer_token" ;;
    esac
    cpus=""
    for proc in "${PROCS[@]}"; do cpus+=" $(echo "${CPU[$label.$proc]}" | median)"; done
    printf '%-8s %-66s %12s  %s\n' "$label" "$what" "${MED[$label]}" "$cpus"
done
echo
fail=0
report() { # OTHER TARGET HARD
    local other=$1 target=$2 hard=$3 ofmed perround verdict
    ofmed=$(div "${MED[tsgate]}" "${MED[$other]}")
    perround=$(echo "${RATIOS[$other]}" | median)
    if awk -v r="$ofmed" -v t="$target" 'BEGIN { exit !(r >= t) }'; then
        verdict="target >= $target met"
    elif [ "$hard" = hard ]; then
        verdict="BELOW target $target"; fail=1
    else
        verdict="below the aim of $target"
    fi
    printf 'ratio tsgate/%-8s %s (of the medians; median of per-round ratios %s)  %s\n' "$other" "$ofmed" "$perround" "$verdict"
}
report vmauth 1.5 hard
report plain 0.6 hard
report ceiling 0.9 soft
printf 'ratio ceiling/plain   %s, vmauth/direct %s, plain/direct %s\n' "$(div "${MED[ceiling]}" "${MED[plain]}")" \
    "$(div "${MED[vmauth]}" "${MED[direct]}")" "$(div "${MED[plain]}" "${MED[direct]}")"
[ "$fail" = 0 ] || exit 1
