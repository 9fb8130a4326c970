/**
 * Write-body accounting for the ext_proc adapter: decodes the bodies VictoriaMetrics ingests (Prometheus remote
 * write, JSON line import, Prometheus text, CSV, Influx line protocol, OpenTSDB HTTP JSON) under their
 * Content-Encoding, within fixed size bounds, and counts rows (samples) and distinct series. A series is the 64-bit
 * hash of its canonical label set — labels sorted by name, empty values dropped, the {@code extra_label} values
 * tsgate injects applied on top — so the same series hashes alike whatever format carried it. No transport types
 * here: the {@code envoy} adapter hands in bytes and gets a {@link io.tsgate.ingest.WriteCount} back.
 */
package io.tsgate.ingest;
