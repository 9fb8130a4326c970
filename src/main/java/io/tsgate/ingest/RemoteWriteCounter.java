package io.tsgate.ingest;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.util.Map;

/**
 * Prometheus remote write ({@code proto/prometheus/remote.proto}): walks the wire format with protobuf's
 * {@link CodedInputStream} instead of building {@code WriteRequest} objects, so label bytes are hashed where they
 * lie and samples are counted without being decoded. Rows are samples (field 2 of TimeSeries); exemplars and
 * metadata are skipped, as VictoriaMetrics stores none of them. A native histogram (field 4) refuses the body:
 * 1.79.5 ignores it, but current releases expand it into several series (lib/prompb/write_request_unmarshaler.go at
 * b7ef6cc3), which tsgate does not count.
 */
final class RemoteWriteCounter implements FormatCounter {
    private static final int WRITE_TIMESERIES = 1 << 3 | 2;
    private static final int SERIES_LABEL = 1 << 3 | 2;
    private static final int SERIES_SAMPLE = 2 << 3 | 2;
    private static final int SERIES_HISTOGRAM_FIELD = 4;
    private static final int LABEL_NAME = 1 << 3 | 2;
    private static final int LABEL_VALUE = 2 << 3 | 2;

    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
        CodedInputStream in = CodedInputStream.newInstance(body, 0, length);
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag != WRITE_TIMESERIES) {
                    in.skipField(tag);
                    continue;
                }
                int limit = in.pushLimit(in.readRawVarint32());
                long samples = 0;
                for (int t = in.readTag(); t != 0; t = in.readTag()) {
                    if (t == SERIES_SAMPLE) {
                        in.skipRawBytes(in.readRawVarint32());
                        samples++;
                    } else if (t == SERIES_LABEL) {
                        label(in, body, tally.key);
                    } else if (t >>> 3 == SERIES_HISTOGRAM_FIELD) {
                        throw MalformedBodyException.malformed("remote write: native histograms cannot be counted; "
                                + "send them as classic histograms to a counted tenant");
                    } else {
                        in.skipField(t);
                    }
                }
                in.popLimit(limit);
                if (samples > 0) {
                    tally.series(samples);
                } else {
                    tally.key.reset();
                }
            }
        } catch (IOException | IndexOutOfBoundsException e) {
            throw MalformedBodyException.malformed("remote write: invalid protobuf WriteRequest: " + e.getMessage());
        }
    }

    private static void label(CodedInputStream in, byte[] body, SeriesKey key) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        int nOff = 0, nLen = 0, vOff = 0, vLen = 0;
        for (int t = in.readTag(); t != 0; t = in.readTag()) {
            if (t == LABEL_NAME) {
                nLen = in.readRawVarint32();
                nOff = in.getTotalBytesRead();
                in.skipRawBytes(nLen);
            } else if (t == LABEL_VALUE) {
                vLen = in.readRawVarint32();
                vOff = in.getTotalBytesRead();
                in.skipRawBytes(vLen);
            } else {
                in.skipField(t);
            }
        }
        in.popLimit(limit);
        key.add(body, nOff, nLen, vOff, vLen);
    }
}
