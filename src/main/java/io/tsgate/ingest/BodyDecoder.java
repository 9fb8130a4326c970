package io.tsgate.ingest;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdInputStream;
import io.tsgate.request.WriteFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Undoes Content-Encoding within {@code maxDecodedBytes}: a body that would inflate past it is refused (413) before
 * the excess is produced, so a compression bomb costs at most that much memory.
 *
 * <p>Only header values every supported VictoriaMetrics version reads the same way are decoded; the rest are refused
 * (400), because a version that reads them differently could store what was never counted. VictoriaMetrics compares
 * the first header value byte for byte: 1.79.5 un-gzips only the exact value {@code gzip} and parses any other value
 * as plain bytes (app/vminsert/prometheusimport/request_handler.go at v1.79.5, 3282829e), while current releases
 * decode {@code zstd}, {@code snappy}, {@code gzip}, {@code deflate}, read {@code ""}, {@code none} and
 * {@code identity} as plain and reject the rest (lib/protoparser/protoparserutil/compress_reader.go at b7ef6cc3). So
 * imports accept absent, empty, {@code identity}, {@code none} (plain in both) and {@code gzip} (gzip in both);
 * {@code x-gzip}, {@code GZIP}, {@code deflate}, {@code zstd}, {@code snappy}, lists and padded values are refused.
 * Remote write is a snappy block whatever the header says in 1.79.5 (lib/protoparser/promremotewrite/streamparser.go
 * at v1.79.5); current releases read {@code zstd} as zstd (lib/protoparser/promremotewrite/stream/streamparser.go
 * at b7ef6cc3): absent, empty and {@code snappy} are snappy, {@code zstd} is zstd (and is also read as snappy by
 * {@link WriteBodyCounter}), anything else is refused.
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
        String encoding = contentEncoding == null ? "" : contentEncoding;
        if (format == WriteFormat.PROMETHEUS_REMOTE_WRITE) {
            return switch (encoding) {
                case "", "snappy" -> snappy(body);
                case "zstd" -> stream(new ZstdStream(body), "zstd");
                default -> throw unsupported(encoding, "remote write takes snappy, zstd or no Content-Encoding");
            };
        }
        try {
            return switch (encoding) {
                case "", "identity", "none" -> bounded(body);
                case "gzip" -> stream(new GZIPInputStream(new ByteArrayInputStream(body), 8192), "gzip");
                default -> throw unsupported(encoding, "imports take gzip, identity, none or no Content-Encoding");
            };
        } catch (IOException e) {
            throw corrupt("gzip", e);
        }
    }

    /** Snappy-decodes a remote-write body, as VictoriaMetrics 1.79.5 reads every remote write. */
    Decoded snappyBlock(byte[] body) throws MalformedBodyException {
        return snappy(body);
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
        return new MalformedBodyException(400, "write_encoding_unsupported", "Content-Encoding \""
                + printable(encoding) + "\" is refused for counted writes: " + hint
                + " (exact, case-sensitive values: VictoriaMetrics versions read other spellings differently)");
    }

    /** The header value with anything outside printable ASCII escaped, so it cannot forge log lines. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }
}
