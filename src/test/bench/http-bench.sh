#!/usr/bin/env bash
# HTTP listener benchmark: requests/s on ONE keep-alive connection (wrk -t1 -c1) to /health, to a forward-auth
# denial (nginx style, no credential: 401 with a JSON body) and to a forward-auth allow (nginx style, RS256 token from
# cache, rewrite with extra_label), then the denial over 32 connections. Bodies on one connection are where a server
# that meets the client's delayed ACK stalls (~40 ms per response, 22 req/s); the target is >= 1,000 req/s.
#
# Each figure is the median of BENCH_ROUNDS runs, the targets alternating so that load from anything else on the
# machine hits all alike; every run's figure is printed too.
#
# Usage: src/test/bench/http-bench.sh
# Env:   BENCH_SECONDS=5 BENCH_ROUNDS=5 BENCH_JIT_SECONDS=10 BENCH_CPUS=2 BENCH_HTTP_PORT=18441 BENCH_GRPC_PORT=19441
#        BENCH_JVM_OPTS=
# Loopback only. Every process it starts is stopped on exit. Not part of `mvn verify`.
set -euo pipefail

cd "$(dirname "$0")/../../.."
. src/test/bench/bench-lib.sh
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-5}
JIT_SECONDS=${BENCH_JIT_SECONDS:-10}
CPUS=${BENCH_CPUS:-2}
HTTP_PORT=${BENCH_HTTP_PORT:-18441}
GRPC_PORT=${BENCH_GRPC_PORT:-19441}
READY_DEADLINE_S=60
TARGET_RPS=1000

die() { echo "http-bench: $*" >&2; exit 1; }

command -v wrk >/dev/null || die "wrk not found; install it with: apt-get install -y wrk"
command -v curl >/dev/null || die "curl not found; install it with: apt-get install -y curl"

# --- build what is missing -------------------------------------------------------------------------------
bench_build

bench_workdir http-bench

JVM=(java "-XX:ActiveProcessorCount=$CPUS" -Xms256m -Xmx256m ${BENCH_JVM_OPTS:-})
PIN=()
WRKPIN=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt "$CPUS" ]; then
    PIN=(taskset -c "0-$((CPUS - 1))")
    WRKPIN=(taskset -c "$CPUS-$(($(nproc) - 1))")
    PLACEMENT="server pinned to CPUs 0-$((CPUS - 1)), wrk on the rest"
else
    PLACEMENT="only $(nproc) CPUs: server (ActiveProcessorCount=$CPUS) and wrk share them"
fi

# --- credentials and tsgate ------------------------------------------------------------------------------
"${JVM[@]}" -cp "$CP" io.tsgate.bench.BenchToken "$WORK/public.pem" "$WORK/token"
TOKEN=$(cat "$WORK/token")

# Denials are logged one line each; the log goes to a file, as it would to a collector.
"${PIN[@]}" "${JVM[@]}" -jar target/tsgate.jar "-auth.publicKeyFiles=$WORK/public.pem" \
    "-grpcListenAddr=127.0.0.1:$GRPC_PORT" "-httpListenAddr=127.0.0.1:$HTTP_PORT" >"$WORK/tsgate.log" 2>&1 &
PIDS+=($!)
deadline=$((SECONDS + READY_DEADLINE_S))
until curl -fs -o /dev/null "http://127.0.0.1:$HTTP_PORT/ready"; do
    kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$WORK/tsgate.log" >&2; die "tsgate exited before it was ready"; }
    [ "$SECONDS" -lt "$deadline" ] || { cat "$WORK/tsgate.log" >&2; die "tsgate not ready after ${READY_DEADLINE_S}s"; }
    sleep 0.2
done

BASE="http://127.0.0.1:$HTTP_PORT"
ORIG=(-H "X-Original-URI: /api/v1/query?query=up" -H "X-Original-Method: GET")
declare -A URL STATUS CONNS
declare -A ARGS
URL[health]="$BASE/health";       STATUS[health]=200; CONNS[health]=1
URL[deny]="$BASE/authz-nginx";    STATUS[deny]=401;   CONNS[deny]=1
URL[allow]="$BASE/authz-nginx";   STATUS[allow]=200;  CONNS[allow]=1
URL[deny32]="$BASE/authz-nginx";  STATUS[deny32]=401; CONNS[deny32]=32
headers_of() { # LABEL -> wrk/curl header arguments, one per line
    case "$1" in
        health) ;;
        deny|deny32) printf '%s\n' "${ORIG[@]}" ;;
        allow) printf '%s\n' "${ORIG[@]}" -H "Authorization: Bearer $TOKEN" ;;
    esac
}
LABELS=(health deny allow deny32)

# Each target must answer what it claims before it is measured.
for label in "${LABELS[@]}"; do
    mapfile -t h < <(headers_of "$label")
    got=$(curl -sS -o /dev/null -w '%{http_code}' "${h[@]}" "${URL[$label]}")
    [ "$got" = "${STATUS[$label]}" ] || die "$label: ${URL[$label]} answered $got, want ${STATUS[$label]}"
done

run_wrk() { # LABEL SECONDS OUT
    local label=$1 secs=$2 out=$3 c=${CONNS[$1]}
    mapfile -t h < <(headers_of "$label")
    "${WRKPIN[@]}" wrk -t1 -c"$c" -d"${secs}s" --latency "${h[@]}" "${URL[$label]}" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed on $label"; }
    ! grep -q '^  Socket errors' "$out" || { cat "$out" >&2; die "$label: wrk saw socket errors"; }
    if [ "${STATUS[$label]}" = 200 ]; then
        ! grep -q 'Non-2xx or 3xx responses' "$out" || { cat "$out" >&2; die "$label: non-2xx responses"; }
    fi
}
rps_of() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
p99_of() { awk '$1 == "99%" {print $2}' "$1"; }

echo "http-bench: wrk -t1, runs of ${SECONDS_PER_RUN}s, median of $ROUNDS; $PLACEMENT"
for label in "${LABELS[@]}"; do
    run_wrk "$label" "$JIT_SECONDS" "$WORK/$label-jit.txt"
    echo "  $label JIT warm-up: $(rps_of "$WORK/$label-jit.txt") req/s"
done
declare -A RUNS
for round in $(seq 1 "$ROUNDS"); do
    for label in "${LABELS[@]}"; do
        run_wrk "$label" "$SECONDS_PER_RUN" "$WORK/$label-$round.txt"
        rps=$(rps_of "$WORK/$label-$round.txt")
        RUNS[$label]="${RUNS[$label]:-} $rps"
        echo "  round $round $label: $rps req/s, p99 $(p99_of "$WORK/$label-$round.txt")"
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo
printf '%-8s %-6s %-44s %12s\n' target conns request "median req/s"
fail=0
for label in "${LABELS[@]}"; do
    m=$(echo "${RUNS[$label]}" | median)
    case "$label" in
        health) what="GET /health (200, body OK)" ;;
        deny|deny32) what="GET /authz-nginx, no credential (401 + JSON)" ;;
        allow) what="GET /authz-nginx, RS256 token (200 + rewrite)" ;;
    esac
    printf '%-8s %-6s %-44s %12s\n' "$label" "${CONNS[$label]}" "$what" "$m"
    if [ "${CONNS[$label]}" = 1 ] && awk -v m="$m" -v t="$TARGET_RPS" 'BEGIN { exit !(m < t) }'; then
        fail=1
    fi
done
[ "$fail" = 0 ] || die "a one-connection figure is below $TARGET_RPS req/s"
echo "all one-connection figures >= $TARGET_RPS req/s"
