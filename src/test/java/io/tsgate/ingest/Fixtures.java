package io.tsgate.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdCompressor;

/** Bodies under src/test/resources/ingest (see capture-fixtures.sh there) and encodings of them. */
public final class Fixtures {
    private Fixtures() {
    }

    public static byte[] resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/ingest/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name + "; run src/test/resources/ingest/capture-fixtures.sh");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The snappy remote-write bodies vmagent sent, in order. */
    public static List<byte[]> vmagentRemoteWrite() {
        List<byte[]> out = new ArrayList<>();
        for (int i = 1; ; i++) {
            String name = String.format("vmagent-remote-write-%03d.bin", i);
            if (Fixtures.class.getResource("/ingest/" + name) == null) {
                break;
            }
            out.add(resource(name));
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no vmagent-remote-write-*.bin fixtures");
        }
        return out;
    }

    /** Sample lines of a Prometheus text body, found the simple way: non-blank lines not starting with '#'. */
    public static long sampleLines(byte[] text) {
        return new String(text, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
    }

    public static byte[] gzip(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] deflate(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
            z.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] zstd(byte[] b) {
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(b.length)];
        int n = c.compress(b, 0, b.length, out, 0, out.length);
        return java.util.Arrays.copyOf(out, n);
    }

    public static byte[] snappy(byte[] b) {
        SnappyCompressor c = new SnappyCompressor();
        byte[] out = new byte[c.maxCompressedLength(b.length)];
        int n = c.compress(b, 0, b.length, out, 0, out.length);
        return java.util.Arrays.copyOf(out, n);
    }

    public static byte[] unsnappy(byte[] b) {
        byte[] out = new byte[SnappyDecompressor.getUncompressedLength(b, 0)];
        new SnappyDecompressor().decompress(b, 0, b.length, out, 0, out.length);
        return out;
    }
}
