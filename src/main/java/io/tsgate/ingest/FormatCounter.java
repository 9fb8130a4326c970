package io.tsgate.ingest;

import java.util.Map;

/** Walks one decoded body of one format and reports each sample's labels and row count to the tally. */
interface FormatCounter {
    /**
     * @param body decoded body, valid in {@code [0, length)}
     * @param args the write's query arguments that change how VictoriaMetrics reads the body ({@code format},
     *             {@code db})
     */
    void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException;
}
