#!/usr/bin/env bash
# ext_proc write accounting vs plain snappy decode + protobuf parse of the same remote-write body, same run:
# src/test/bench/ingest-bench.sh [rounds]   (rounds alternate which benchmark runs first; prints MB/s,
# samples/s and the ratio per round, and the median ratio; see IngestBenchmark)
set -euo pipefail
cd "$(dirname "$0")/../../.."
mvn -B -q test-compile
if [ ! -f target/bench.classpath ] || [ pom.xml -nt target/bench.classpath ]; then
    mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
fi
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.tsgate.bench.IngestBenchmark "$@"
