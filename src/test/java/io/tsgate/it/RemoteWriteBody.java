package io.tsgate.it;

import com.google.protobuf.CodedOutputStream;
import io.tsgate.ingest.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Prometheus remote write bodies built field by field (prompb {@code WriteRequest}: timeseries = 1, labels = 1,
 * samples = 2; {@code Label} name = 1, value = 2; {@code Sample} value = 1, timestamp = 2), snappy block-compressed
 * as Prometheus and vmagent send them.
 */
final class RemoteWriteBody {
    private RemoteWriteBody() {
    }

    /** One series with {@code labels} (in order) and one sample per timestamp (value = index + 1). */
    static byte[] oneSeries(Map<String, String> labels, long... timestampsMillis) {
        try {
            ByteArrayOutputStream series = new ByteArrayOutputStream();
            CodedOutputStream s = CodedOutputStream.newInstance(series);
            for (Map.Entry<String, String> l : labels.entrySet()) {
                s.writeByteArray(1, message(o -> {
                    o.writeString(1, l.getKey());
                    o.writeString(2, l.getValue());
                }));
            }
            for (int i = 0; i < timestampsMillis.length; i++) {
                double value = i + 1;
                long ts = timestampsMillis[i];
                s.writeByteArray(2, message(o -> {
                    o.writeDouble(1, value);
                    o.writeInt64(2, ts);
                }));
            }
            s.flush();
            byte[] ts = series.toByteArray();
            return Fixtures.snappy(message(o -> o.writeByteArray(1, ts)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Writer w) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        CodedOutputStream o = CodedOutputStream.newInstance(b);
        w.write(o);
        o.flush();
        return b.toByteArray();
    }
}
