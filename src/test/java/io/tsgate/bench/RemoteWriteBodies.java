package io.tsgate.bench;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.tsgate.ingest.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark remote-write bodies shaped like vmagent's: the series vmagent sent in the captured fixtures (real label
 * names, values and lengths), repeated for {@code copies} hosts with an {@code instance="host-N"} label in sorted
 * position, one sample each, in one WriteRequest, snappy-compressed as vmagent sends it.
 */
final class RemoteWriteBodies {
    /** A body and what it holds. */
    record Body(byte[] snappy, int decodedBytes, long samples) {
    }

    private RemoteWriteBodies() {
    }

    static Body vmagentLike(int copies) throws IOException {
        List<List<String[]>> series = new ArrayList<>();
        for (byte[] captured : Fixtures.vmagentRemoteWrite()) {
            series.addAll(parse(Fixtures.unsnappy(captured)));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        long samples = 0;
        for (int c = 0; c < copies; c++) {
            for (List<String[]> labels : series) {
                List<String[]> withHost = new ArrayList<>(labels);
                withHost.add(new String[] {"instance", "host-" + c});
                withHost.sort((a, b) -> a[0].compareTo(b[0]));
                byte[] ts = timeSeries(withHost, 1.5 + c, 1_700_000_000_000L + c);
                out.writeByteArray(1, ts);
                samples++;
            }
        }
        out.flush();
        byte[] decoded = bytes.toByteArray();
        return new Body(Fixtures.snappy(decoded), decoded.length, samples);
    }

    private static byte[] timeSeries(List<String[]> labels, double value, long timestamp) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        for (String[] l : labels) {
            ByteArrayOutputStream lb = new ByteArrayOutputStream();
            CodedOutputStream lo = CodedOutputStream.newInstance(lb);
            lo.writeString(1, l[0]);
            lo.writeString(2, l[1]);
            lo.flush();
            out.writeByteArray(1, lb.toByteArray());
        }
        ByteArrayOutputStream sb = new ByteArrayOutputStream();
        CodedOutputStream so = CodedOutputStream.newInstance(sb);
        so.writeDouble(1, value);
        so.writeInt64(2, timestamp);
        so.flush();
        out.writeByteArray(2, sb.toByteArray());
        out.flush();
        return bytes.toByteArray();
    }

    private static List<List<String[]>> parse(byte[] writeRequest) throws IOException {
        List<List<String[]>> out = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(writeRequest);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag >>> 3 != 1) {
                in.skipField(tag);
                continue;
            }
            CodedInputStream ts = CodedInputStream.newInstance(in.readByteArray());
            List<String[]> labels = new ArrayList<>();
            for (int t = ts.readTag(); t != 0; t = ts.readTag()) {
                if (t >>> 3 == 1) {
                    CodedInputStream l = CodedInputStream.newInstance(ts.readByteArray());
                    String[] label = {"", ""};
                    for (int lt = l.readTag(); lt != 0; lt = l.readTag()) {
                        label[(lt >>> 3) - 1] = l.readStringRequireUtf8();
                    }
                    labels.add(label);
                } else {
                    ts.skipField(t);
                }
            }
            out.add(labels);
        }
        return out;
    }
}
