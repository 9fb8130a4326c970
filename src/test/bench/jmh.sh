#!/usr/bin/env bash
# Runs a JMH benchmark from src/test/java/io/tsgate/bench: src/test/bench/jmh.sh CheckPathBenchmark [JMH options]
set -euo pipefail
cd "$(dirname "$0")/../../.."
[ $# -ge 1 ] || { echo "usage: $0 BenchmarkClass [JMH options]" >&2; exit 2; }
mvn -B -q test-compile
if [ ! -f target/bench.classpath ] || [ pom.xml -nt target/bench.classpath ]; then
    mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
fi
bench=$1; shift
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" org.openjdk.jmh.Main "$bench" "$@"
