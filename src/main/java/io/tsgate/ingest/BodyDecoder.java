package io.tsgate.ingest;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * Undoes Content-Encoding within {@code maxDecodedBytes}: a body that would inflate past it is refused (413) before
 * the excess is produced, so a compression bomb costs at most that much memory. Remote write is a snappy block
 * (Prometheus' spec) unless {@code Content-Encoding: zstd}; other formats take gzip, deflate (zlib, as Go's and
 * VictoriaMetrics' readers expect), zstd or none.
 */
final class BodyDecoder {
    /** A decoded body: bytes valid in {@code [0, length)}. */
    record Decoded(byte[] bytes, int length) {
    }

    private final long maxDecodedBytes;

    BodyDecoder(long maxDecodedBytes) {
        this.maxDecodedBytes = maxDecodedBytes;
    }

    Decoded decode(WriteFormat format, String contentEncoding, byte[] body) throws MalformedBodyException {
        String encoding = contentEncoding == null ? "" : contentEncoding.trim().toLowerCase(Locale.ROOT);
        if (format == WriteFormat.PROMETHEUS_REMOTE_WRITE) {
            return switch (encoding) {
                case "", "snappy" -> snappy(body);
                case "zstd" -> stream(new ZstdStream(body), "zstd");
                default -> throw unsupported(encoding, "remote write takes snappy or zstd");
            };
        }
        try {
            return switch (encoding) {
                case "", "identity" -> bounded(body);
                case "gzip", "x-gzip" -> stream(new GZIPInputStream(new ByteArrayInputStream(body), 8192), "gzip");
                case "deflate" -> stream(new InflaterInputStream(new ByteArrayInputStream(body)), "deflate");
                case "zstd" -> stream(new ZstdStream(body), "zstd");
                default -> throw unsupported(encoding, "want gzip, deflate, zstd or none");
            };
        } catch (IOException e) {
            throw corrupt("gzip", e);
        }
    }

    private Decoded bounded(byte[] body) throws MalformedBodyException {
        if (body.length > maxDecodedBytes) {
            throw tooLarge();
        }
        return new Decoded(body, body.length);
    }

    private Decoded snappy(byte[] body) throws MalformedBodyException {
        int size;
        try {
            size = SnappyDecompressor.getUncompressedLength(body, 0);
        } catch (MalformedInputException | ArrayIndexOutOfBoundsException e) {
            throw corrupt("snappy", e);
        }
        if (size < 0 || size > maxDecodedBytes) {
            throw tooLarge();
        }
        byte[] out = new byte[size];
        try {
            int n = new SnappyDecompressor().decompress(body, 0, body.length, out, 0, size);
            return new Decoded(out, n);
        } catch (MalformedInputException | ArrayIndexOutOfBoundsException e) {
            throw corrupt("snappy", e);
        }
    }

    private Decoded stream(InputStream in, String what) throws MalformedBodyException {
        byte[] out = new byte[(int) Math.min(8192, maxDecodedBytes)];
        int n = 0;
        try (in) {
            while (true) {
                if (n == out.length) {
                    if (out.length >= maxDecodedBytes) {
                        if (in.read() < 0) {
                            break;
                        }
                        throw tooLarge();
                    }
                    out = Arrays.copyOf(out, (int) Math.min(maxDecodedBytes, (long) out.length * 2));
                }
                int r = in.read(out, n, out.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (IOException | RuntimeException e) {
            throw corrupt(what, e);
        }
        return new Decoded(out, n);
    }

    /** Defers ZstdInputStream's header read to the first read, inside the caller's error handling. */
    private static final class ZstdStream extends InputStream {
        private final byte[] body;
        private InputStream in;

        ZstdStream(byte[] body) {
            this.body = body;
        }

        private InputStream in() {
            if (in == null) {
                in = new ZstdInputStream(new ByteArrayInputStream(body));
            }
            return in;
        }

        @Override
        public int read() throws IOException {
            return in().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in().read(b, off, len);
        }
    }

    private MalformedBodyException tooLarge() {
        return new MalformedBodyException(413, "write_body_too_large",
                "decoded write body exceeds -ingest.maxDecodedBytes=" + maxDecodedBytes);
    }

    private static MalformedBodyException corrupt(String encoding, Exception e) {
        return new MalformedBodyException(400, "write_body_malformed", "cannot decode " + encoding + " body: "
                + e.getClass().getSimpleName());
    }

    private static MalformedBodyException unsupported(String encoding, String hint) {
        return new MalformedBodyException(400, "write_encoding_unsupported",
                "Content-Encoding \"" + encoding + "\" is not supported: " + hint);
    }
}
