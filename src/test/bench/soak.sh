#!/usr/bin/env bash
# Soak: tsgate under steady load for SOAK_MINUTES (default 10), Checks over gRPC (h2load, HTTP/2) and forward-auth
# over HTTP/1.1 keep-alive (h2load --h1), both paced, with rate limits on (local backend). Every SOAK_INTERVAL
# seconds it prints tsgate's RSS and its live heap (heap used right after a full GC, asked for with jcmd), and fails
# when either has grown past its bound over the first sample (taken after a warm-up): RSS by SOAK_RSS_GROWTH_MB
# (default 64 MiB), live heap by SOAK_HEAP_GROWTH_MB (default 16 MiB). It also fails when tsgate dies or a request
# fails or is not answered 200.
#
# Usage: src/test/bench/soak.sh
# Env:   SOAK_MINUTES=10 SOAK_INTERVAL=60 SOAK_WARMUP=30 SOAK_CHECK_RPS=1000 SOAK_HTTP_RPS=250
#        SOAK_RSS_GROWTH_MB=64 SOAK_HEAP_GROWTH_MB=16 SOAK_GRPC_PORT=19451 SOAK_HTTP_PORT=18451 SOAK_JVM_OPTS=
# Loopback only. Every process it starts is stopped on exit. Not part of `mvn verify`.
set -euo pipefail

cd "$(dirname "$0")/../../.."
. src/test/bench/bench-lib.sh
MINUTES=${SOAK_MINUTES:-10}
INTERVAL=${SOAK_INTERVAL:-60}
WARMUP=${SOAK_WARMUP:-30}
CHECK_RPS=${SOAK_CHECK_RPS:-1000}
HTTP_RPS=${SOAK_HTTP_RPS:-250}
RSS_GROWTH_MB=${SOAK_RSS_GROWTH_MB:-64}
HEAP_GROWTH_MB=${SOAK_HEAP_GROWTH_MB:-16}
GRPC_PORT=${SOAK_GRPC_PORT:-19451}
HTTP_PORT=${SOAK_HTTP_PORT:-18451}
READY_DEADLINE_S=60
CLIENTS=4

die() { echo "soak: $*" >&2; exit 1; }
for tool in h2load curl jcmd; do
    command -v "$tool" >/dev/null || die "$tool not found (h2load: apt-get install -y nghttp2-client; jcmd: a JDK)"
done

# --- build what is missing -------------------------------------------------------------------------------
bench_build

bench_workdir soak

java -cp "$CP" io.tsgate.bench.BenchToken "$WORK/public.pem" "$WORK/token"
java -cp "$CP" io.tsgate.bench.CheckRequestFile "$WORK/check.bin" "$WORK/token"
TOKEN=$(cat "$WORK/token")
# A limit the load stays under: the limiter counts every Check without refusing any.
printf 'limits:\n  - {type: queries, value: 100000000, resolution: minute}\n' >"$WORK/limits.yaml"

java -Xms128m -Xmx256m ${SOAK_JVM_OPTS:-} -jar target/tsgate.jar "-auth.publicKeyFiles=$WORK/public.pem" \
    -enable.rateLimit "-ratelimit.config=$WORK/limits.yaml" \
    "-grpcListenAddr=127.0.0.1:$GRPC_PORT" "-httpListenAddr=127.0.0.1:$HTTP_PORT" >"$WORK/tsgate.log" 2>&1 &
TSGATE=$!
PIDS+=("$TSGATE")
deadline=$((SECONDS + READY_DEADLINE_S))
until curl -fs -o /dev/null "http://127.0.0.1:$HTTP_PORT/ready"; do
    kill -0 "$TSGATE" 2>/dev/null || { cat "$WORK/tsgate.log" >&2; die "tsgate exited before it was ready"; }
    [ "$SECONDS" -lt "$deadline" ] || { cat "$WORK/tsgate.log" >&2; die "tsgate not ready after ${READY_DEADLINE_S}s"; }
    sleep 0.2
done
java -cp "$CP" io.tsgate.bench.CheckRequestFile "$WORK/verify.bin" "$WORK/token" "$GRPC_PORT" \
    || die "tsgate does not allow the soak's Check"

TOTAL=$((MINUTES * 60 + WARMUP))
h2load -t 1 -c "$CLIENTS" -m 4 --rps $((CHECK_RPS / CLIENTS)) -D "$TOTAL" -d "$WORK/check.bin" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$GRPC_PORT/envoy.service.auth.v3.Authorization/Check" >"$WORK/grpc.txt" 2>&1 &
GRPC_LOAD=$!
PIDS+=("$GRPC_LOAD")
h2load --h1 -t 1 -c "$CLIENTS" --rps $((HTTP_RPS / CLIENTS)) -D "$TOTAL" \
    -H "X-Original-URI: /api/v1/query?query=up" -H "X-Original-Method: GET" -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$HTTP_PORT/authz-nginx" >"$WORK/http.txt" 2>&1 &
HTTP_LOAD=$!
PIDS+=("$HTTP_LOAD")

rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$TSGATE/status"; }
live_heap_mb() { # heap used after a full GC, from GC.heap_info's total line
    jcmd "$TSGATE" GC.run >/dev/null
    jcmd "$TSGATE" GC.heap_info | awk '/total/ && /used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); printf "%.1f", v / 1024; exit } }'
}
check_alive() { kill -0 "$TSGATE" 2>/dev/null || { tail -40 "$WORK/tsgate.log" >&2; die "tsgate died"; }; }

echo "soak: ${MINUTES} min at ~${CHECK_RPS} Checks/s and ~${HTTP_RPS} forward-auth req/s; bounds: RSS +${RSS_GROWTH_MB} MiB, live heap +${HEAP_GROWTH_MB} MiB over the first sample"
sleep "$WARMUP"
check_alive
BASE_RSS=$(rss_mb)
BASE_HEAP=$(live_heap_mb)
printf '%8s %10s %14s\n' elapsed "RSS MiB" "live heap MiB"
printf '%8s %10s %14s\n' "0s" "$BASE_RSS" "$BASE_HEAP"
fail=0
for i in $(seq 1 $((MINUTES * 60 / INTERVAL))); do
    sleep "$INTERVAL"
    check_alive
    rss=$(rss_mb)
    heap=$(live_heap_mb)
    printf '%8s %10s %14s\n' "$((i * INTERVAL))s" "$rss" "$heap"
    if awk -v r="$rss" -v b="$BASE_RSS" -v g="$RSS_GROWTH_MB" 'BEGIN { exit !(r - b > g) }'; then
        echo "soak: RSS grew by more than ${RSS_GROWTH_MB} MiB" >&2; fail=1
    fi
    if awk -v h="$heap" -v b="$BASE_HEAP" -v g="$HEAP_GROWTH_MB" 'BEGIN { exit !(h - b > g) }'; then
        echo "soak: live heap grew by more than ${HEAP_GROWTH_MB} MiB" >&2; fail=1
    fi
done
wait "$GRPC_LOAD" || true
wait "$HTTP_LOAD" || true
for f in grpc http; do
    failed=$(awk '/^requests:/ {print $10 + $12}' "$WORK/$f.txt")
    non2xx=$(awk '/^status codes:/ {print $5 + $7 + $9}' "$WORK/$f.txt")
    done_=$(awk '/^requests:/ {print $8}' "$WORK/$f.txt")
    echo "soak: $f: ${done_:-?} requests succeeded, ${failed:-?} failed or errored, ${non2xx:-?} not 2xx"
    [ "${failed:-x}" = 0 ] && [ "${non2xx:-x}" = 0 ] || { cat "$WORK/$f.txt" >&2; fail=1; }
done
check_alive
[ "$fail" = 0 ] || die "failed"
echo "soak: passed"
