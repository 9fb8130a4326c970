#!/usr/bin/env bash
# Regenerates the write-body fixtures under this directory from real clients:
#   vm-metrics.prom           Prometheus text as a real exporter writes it (victoria-metrics' own /metrics)
#   vmagent-remote-write-*.bin  the snappy remote-write bodies /usr/bin/vmagent sends after it ingested vm-metrics.prom
#   vm-export.jsonl           VictoriaMetrics' /api/v1/export (the JSON line import format) of the same samples
#   vm-export.csv             /api/v1/export/csv of vm_rows{type=...}; import back with
#                             format=2:metric:vm_rows,1:label:type,3:time:unix_ms
# Usage: src/test/resources/ingest/capture-fixtures.sh   (needs victoria-metrics, vmagent, python3, curl)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 100); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

vm=$(free_port)
/usr/bin/victoria-metrics -storageDataPath="$work/vm" -httpListenAddr=127.0.0.1:$vm -loggerLevel=ERROR \
    -search.disableCache >"$work/vm.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$vm/health"
# VictoriaMetrics' own exposition: real client output, comments and all.
curl -fsS "http://127.0.0.1:$vm/metrics" >"$here/vm-metrics.prom"

# A capture server standing in for remote storage: stores every body verbatim.
cap=$(free_port)
mkdir -p "$work/cap"
python3 - "$cap" "$work/cap" <<'PY' &
import http.server, sys, os
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    n = 0
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        H.n += 1
        with open(os.path.join(out, '%03d.bin' % H.n), 'wb') as f: f.write(body)
        with open(os.path.join(out, '%03d.encoding' % H.n), 'w') as f: f.write(self.headers.get('Content-Encoding', ''))
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', port), H).serve_forever()
PY
pids+=($!)

agent=$(free_port)
/usr/bin/vmagent -remoteWrite.url="http://127.0.0.1:$cap/api/v1/write" -remoteWrite.tmpDataPath="$work/agent" \
    -httpListenAddr=127.0.0.1:$agent -remoteWrite.flushInterval=1s -loggerLevel=ERROR >"$work/agent.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$agent/health"
curl -fsS --data-binary @"$here/vm-metrics.prom" "http://127.0.0.1:$agent/api/v1/import/prometheus"
# Wait until vmagent has delivered everything (no new body for 3 seconds).
last=-1; stable=0
while [ $stable -lt 30 ]; do
    n=$(ls "$work/cap" | grep -c '\.bin$' || true)
    if [ "$n" -gt 0 ] && [ "$n" -eq "$last" ]; then stable=$((stable+1)); else stable=0; fi
    last=$n; sleep 0.1
done
rm -f "$here"/vmagent-remote-write-*.bin
for f in "$work"/cap/*.bin; do
    id=$(basename "$f" .bin)
    enc=$(cat "$work/cap/$id.encoding")
    [ "$enc" = "snappy" ] || { echo "vmagent sent Content-Encoding '$enc', want snappy" >&2; exit 1; }
    cp "$f" "$here/vmagent-remote-write-$id.bin"
done

# The same samples as VictoriaMetrics exports them.
curl -fsS --data-binary @"$here/vm-metrics.prom" "http://127.0.0.1:$vm/api/v1/import/prometheus"
curl -fsS "http://127.0.0.1:$vm/internal/force_flush" >/dev/null
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$vm/api/v1/export" --data-urlencode 'match[]={__name__=~".+"}' >"$here/vm-export.jsonl"
    [ -s "$here/vm-export.jsonl" ] && break; sleep 0.1
done
curl -fsS "http://127.0.0.1:$vm/api/v1/export/csv" --data-urlencode 'match[]=vm_rows' \
    --data-urlencode 'format=type,__value__,__timestamp__:unix_ms' >"$here/vm-export.csv"
ls -l "$here"
