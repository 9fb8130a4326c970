# Shared by the benchmark scripts here (sourced, not run): build what is missing, a work directory whose
# processes are stopped on exit, and waiting for a started process to be ready. The sourcing script defines
# die() and, for wait_for, READY_DEADLINE_S; it runs from the repository root.

# bench_build [MARKER_CLASS]: builds target/tsgate.jar when BENCH_NEEDS_JAR is not 0 and it is missing, compiles
# the test classes when MARKER_CLASS (default BenchToken) is missing, and sets CP to the benchmark classpath.
bench_build() {
    local marker=${1:-BenchToken}
    if [ "${BENCH_NEEDS_JAR:-1}" != 0 ] && [ ! -f target/tsgate.jar ]; then
        echo "building target/tsgate.jar ..."
        mvn -B -q -DskipTests package
    fi
    if [ ! -f "target/test-classes/io/tsgate/bench/$marker.class" ]; then
        echo "compiling test classes ..."
        mvn -B -q test-compile
    fi
    if [ ! -f target/bench.classpath ] || [ pom.xml -nt target/bench.classpath ]; then
        mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
    fi
    CP="target/test-classes:target/classes:$(cat target/bench.classpath)"
}

# bench_workdir NAME: sets WORK to a fresh temporary directory and PIDS to an empty list; on exit every process in
# PIDS is stopped and WORK removed.
bench_workdir() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    PIDS=()
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

bench_cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for NAME PID LOG CONDITION...: polls CONDITION until it holds, the process dies, or the deadline passes.
wait_for() {
    local name=$1 pid=$2 log=$3; shift 3
    local deadline=$((SECONDS + READY_DEADLINE_S))
    until "$@"; do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "$name exited before it was ready"; }
        [ "$SECONDS" -lt "$deadline" ] || { cat "$log" >&2; die "$name not ready after ${READY_DEADLINE_S}s"; }
        sleep 0.2
    done
}
