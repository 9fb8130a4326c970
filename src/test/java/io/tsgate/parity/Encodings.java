package io.tsgate.parity;

import static io.tsgate.parity.Spellings.chance;
import static io.tsgate.parity.Spellings.pick;

import io.tsgate.ingest.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Content-Encoding as clients and attackers send it: the header absent, spelled in any case, with whitespace, as a
 * list, unknown, or sent twice; and the body compressed as the header says, left plain, or compressed with plain
 * records hidden where a decompressor does not look (a gzip FCOMMENT, bytes after the stream).
 */
final class Encodings {
    /** Header spellings; the same meaning is spelled several ways on purpose. */
    private static final List<String> SPELLINGS = List.of("gzip", "gzip", "x-gzip", "GZIP", "Gzip", " gzip", "gzip ",
            "identity", "none", "", "deflate", "zstd", "snappy", "br", "gzip, identity", "identity, gzip", "compress",
            "IDENTITY", "x-deflate", "gzip;q=1", "NONE", "Deflate", "ZSTD");
    private static final List<String> REMOTE_WRITE_SPELLINGS = List.of("snappy", "snappy", "zstd", "gzip", "identity",
            "SNAPPY", "deflate", "", "none", " snappy");

    /** Headers, body as sent, and a note of what was done. */
    record Encoded(List<Map.Entry<String, String>> headers, byte[] body, String recipe) {
    }

    private Encodings() {
    }

    static Encoded encode(Dice r, Draft draft, boolean remoteWrite) {
        List<String> spellings = remoteWrite ? REMOTE_WRITE_SPELLINGS : SPELLINGS;
        List<String> values = new ArrayList<>();
        if (chance(r, 0.5)) {
            values.add(chance(r, 0.4) ? (remoteWrite ? "snappy" : "gzip") : pick(r, spellings));
            if (chance(r, 0.2)) {
                values.add(pick(r, spellings));
            }
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String v : values) {
            headers.add(Map.entry(chance(r, 0.9) ? "Content-Encoding" : "content-encoding", v));
        }
        String meaning = values.isEmpty() ? "" : pick(r, values).trim().toLowerCase(Locale.ROOT);
        String how = remoteWrite ? remoteWriteBody(r, meaning) : body(r, meaning);
        return new Encoded(headers, apply(how, draft.body()), "encoding " + values + " body " + how);
    }

    private static String remoteWriteBody(Dice r, String meaning) {
        if (meaning.equals("zstd") && chance(r, 0.6)) {
            return "zstd";
        }
        return chance(r, 0.93) ? "snappy" : pick(r, "plain", "zstd", "snappy+plain");
    }

    private static String body(Dice r, String meaning) {
        if (meaning.contains("gzip")) {
            return chance(r, 0.6) ? "gzip" : pick(r, "plain", "gzip-fcomment", "gzip+plain");
        }
        if (meaning.contains("deflate")) {
            return chance(r, 0.6) ? "zlib" : pick(r, "plain", "zlib+plain");
        }
        if (meaning.equals("zstd")) {
            return chance(r, 0.6) ? "zstd" : pick(r, "plain", "zstd+plain");
        }
        if (meaning.equals("snappy")) {
            return chance(r, 0.5) ? "snappy" : "plain";
        }
        return chance(r, 0.85) ? "plain" : pick(r, "gzip", "gzip-fcomment", "zlib+plain");
    }

    static byte[] apply(String how, byte[] body) {
        return switch (how) {
            case "plain" -> body;
            case "gzip" -> Fixtures.gzip(body);
            case "zlib" -> Fixtures.deflate(body);
            case "zstd" -> Fixtures.zstd(body);
            case "snappy" -> Fixtures.snappy(body);
            case "gzip+plain" -> concat(Fixtures.gzip(new byte[0]), newlineThen(body));
            case "zlib+plain" -> concat(Fixtures.deflate(new byte[0]), newlineThen(body));
            case "zstd+plain" -> concat(Fixtures.zstd(new byte[0]), newlineThen(body));
            case "snappy+plain" -> concat(Fixtures.snappy(new byte[0]), body);
            case "gzip-fcomment" -> gzipWithComment(newlineThen(body));
            default -> throw new IllegalArgumentException(how);
        };
    }

    /**
     * An empty gzip member whose header carries {@code comment} (FLG.FCOMMENT): a gzip reader skips it, a reader
     * that ignores the encoding sees its lines. A NUL would end the comment, so NULs become spaces.
     */
    private static byte[] gzipWithComment(byte[] comment) {
        byte[] gz = Fixtures.gzip(new byte[0]);
        Bytes b = new Bytes();
        for (int i = 0; i < 10; i++) {
            b.octet(i == 3 ? gz[3] | 0x10 : gz[i]);
        }
        for (byte c : comment) {
            b.octet(c == 0 ? ' ' : c);
        }
        b.octet(0);
        b.raw(java.util.Arrays.copyOfRange(gz, 10, gz.length));
        return b.toArray();
    }

    private static byte[] newlineThen(byte[] body) {
        return concat(new byte[] {'\n'}, concat(body, new byte[] {'\n'}));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
