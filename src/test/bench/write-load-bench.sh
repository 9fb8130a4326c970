#!/usr/bin/env bash
# Adversarial write load against the counting pool, same JVM as the gateway:
# src/test/bench/write-load-bench.sh [rounds]   (default 5; see WriteLoadBenchmark)
# Per round, alternating which goes first: read Checks alone, and read Checks while as many maximum-size adversarial
# write bodies as the pool holds (-ingest.concurrency + -ingest.queueSize) are in flight over the same connection,
# then a burst beyond the pool. Prints Check p50/p99, the slowest counted body, the slowest 503 for a full pool, and
# the medians over rounds. BENCH_FLAGS adds gateway flags, e.g. BENCH_FLAGS="-ingest.concurrency=1".
# Not part of `mvn verify`.
set -euo pipefail
cd "$(dirname "$0")/../../.."
mvn -B -q test-compile
if [ ! -f target/bench.classpath ] || [ pom.xml -nt target/bench.classpath ]; then
    mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
fi
exec java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.tsgate.bench.WriteLoadBenchmark "$@"
