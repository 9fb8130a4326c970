package io.tsgate.it;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates read requests from a grammar of risky spellings, for the differential test against VictoriaMetrics:
 * label parameters ({@code extra_filters}, {@code extra_filters[]}, {@code extra_label}) in the query and in form
 * bodies, spelled with percent-encoding, case and {@code +} variants, semicolons, bad escapes and invalid UTF-8;
 * repeated parameters; Content-Types with case, white space (ASCII and Unicode), Unicode letters that Go lower-cases
 * to ASCII, parameters, and repeated headers; methods that do and do not carry forms.
 *
 * <p>Nothing generated names the other team's data ({@link #MARKERS}), so a marker in a response can only come from
 * stored data, never from an echoed request.
 */
final class ReadRequestGrammar {
    /** Strings that appear only in the other team's stored series. */
    static final List<String> MARKERS = List.of("blue", "s3cr3t", "rd_blue_only");

    /** One generated request: what the client sends, byte for byte. */
    record Read(String method, String target, List<RawHttp.Header> headers, byte[] body) {
        @Override
        public String toString() {
            return method + " " + target + " " + headers + " body="
                    + (body == null ? "none" : new RawHttp.Header("", body).toString().substring(2));
        }
    }

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final List<String> WIDE_FILTERS = List.of("{team=~\".+\"}", "{team!=\"dev\"}",
            "{__name__=~\"rd_.*\"}", "{job=\"b\"}", "{team=~\"b.*\"}");
    private static final List<String> LABEL_VALUES = List.of("job=b", "team=", "secret=", "__name__=rd_metric");
    private static final List<String> BASE_TARGETS = List.of(
            "/api/v1/series?match%5B%5D=" + enc("{__name__=~\"rd_.*\"}"),
            "/api/v1/series?match[]=rd_metric",
            "/api/v1/export?match%5B%5D=" + enc("{__name__=~\"rd_.*\"}"),
            "/api/v1/labels",
            "/api/v1/label/team/values",
            "/api/v1/label/__name__/values",
            "/api/v1/label/secret/values",
            "/api/v1/query?query=" + enc("{__name__=~\"rd_.*\"}"),
            "/prometheus/api/v1/series?match%5B%5D=" + enc("{__name__=~\"rd_.*\"}"),
            "/federate?match%5B%5D=" + enc("{__name__=~\"rd_.*\"}"),
            "/api/v1/series");

    private final Random random;

    ReadRequestGrammar(long seed) {
        this.random = new Random(seed);
    }

    Read next() {
        String method = pick(List.of("GET", "GET", "POST", "POST", "POST", "HEAD", "PUT", "PATCH", "post"));
        StringBuilder target = new StringBuilder(pick(BASE_TARGETS));
        int params = random.nextInt(3);
        for (int i = 0; i < params; i++) {
            target.append(target.indexOf("?") < 0 ? '?' : '&')
                    .append(random.nextInt(3) == 0 ? riskyParam() : labelParam());
        }
        if (random.nextInt(40) == 0) {
            target.append(target.indexOf("?") < 0 ? '?' : '&').append("p=1&".repeat(995 + random.nextInt(10)))
                    .append("q=1");
        }
        List<RawHttp.Header> headers = new ArrayList<>(contentTypes());
        byte[] body = null;
        if (!method.equals("GET") || random.nextInt(4) == 0) {
            body = formBody();
        }
        return new Read(method, target.toString(), headers, body);
    }

    /** A label parameter under a name Go decodes to one VictoriaMetrics reads (or a case variant it does not). */
    private String labelParam() {
        String name = pick(List.of("extra_filters", "extra_filters[]", "extra_label"));
        String value = name.equals("extra_label") ? pick(LABEL_VALUES) : pick(WIDE_FILTERS);
        String spelled = switch (random.nextInt(5)) {
            case 0 -> name.replace("_", "%5F");
            case 1 -> name.replace("[]", "%5B%5D");
            case 2 -> name.replace("[]", "%5b%5d").replace("e", "%65");
            default -> name;
        };
        return spelled + "=" + enc(value);
    }

    /** One query or form pair that tries to set a label parameter, or something Go reads differently. */
    private String riskyParam() {
        return switch (random.nextInt(10)) {
            case 0 -> "match%5B%5D=" + enc(pick(WIDE_FILTERS));
            case 1 -> labelName("extra_label") + "=" + enc(pick(LABEL_VALUES));
            case 2 -> labelName("extra_filters") + "=" + enc(pick(WIDE_FILTERS)) + ";x=1";
            case 3 -> labelName("extra_filters") + "=%zz&" + labelName("extra_filters") + "=" + enc(pick(WIDE_FILTERS));
            case 4 -> labelName("extra_filters") + "=" + enc(pick(WIDE_FILTERS)) + "%E9";
            case 5 -> "query=" + enc(pick(WIDE_FILTERS));
            default -> labelName(pick(List.of("extra_filters", "extra_filters[]", "extra_label")))
                    + "=" + enc(pick(WIDE_FILTERS));
        };
    }

    /** A spelling of {@code name} as a raw query key. */
    private String labelName(String name) {
        return switch (random.nextInt(9)) {
            case 0 -> name.replace("_", "%5F");
            case 1 -> name.replace("[]", "%5B%5D");
            case 2 -> name.replace("[]", "%5b%5d").replace("e", "%65");
            case 3 -> name.toUpperCase(java.util.Locale.ROOT);
            case 4 -> name + "+";
            case 5 -> "+" + name;
            case 6 -> name + "%00";
            case 7 -> name.replace("i", "%C4%B0");
            default -> name;
        };
    }

    private byte[] formBody() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pairs = 1 + random.nextInt(3);
        for (int i = 0; i < pairs; i++) {
            if (i > 0) {
                out.write('&');
            }
            out.writeBytes((random.nextInt(3) == 0 ? riskyParam() : labelParam()).getBytes(StandardCharsets.US_ASCII));
        }
        if (random.nextInt(6) == 0) {
            out.writeBytes("&q=\u00ff".getBytes(StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }

    /** Zero, one or two Content-Type headers. */
    private List<RawHttp.Header> contentTypes() {
        int n = random.nextInt(10);
        if (n == 0) {
            return List.of();
        }
        if (n == 1) {
            return List.of(header(contentType()), header(contentType()));
        }
        return List.of(header(contentType()));
    }

    private RawHttp.Header header(byte[] value) {
        String name = pick(List.of("Content-Type", "content-type", "CONTENT-TYPE"));
        return new RawHttp.Header(name, value);
    }

    private byte[] contentType() {
        String type = pick(List.of(FORM, FORM, FORM, "multipart/form-data; boundary=b", "text/plain",
                "application/json", ""));
        type = switch (random.nextInt(7)) {
            case 0 -> type.toUpperCase(java.util.Locale.ROOT);
            case 1 -> type.replaceFirst("i", "\u0130");
            case 2 -> type.replace("k", "\u212A");
            case 3 -> type + pick(List.of("; charset=utf-8", ";;", "; a*=x", "; charset=a; charset=b", "; charset",
                    ", text/plain", ";"));
            default -> type;
        };
        String pad = pick(List.of("", "", " ", "\t", "\u00a0", "\u2003", "\u0085"));
        String value = random.nextBoolean() ? type + pad : pad + type;
        // Mostly UTF-8 as clients send; sometimes the single ISO-8859-1 byte a Latin-1 client would send.
        return random.nextInt(5) == 0 ? value.replace("\u0130", "I").replace("\u212A", "K").replace("\u2003", " ")
                .getBytes(StandardCharsets.ISO_8859_1) : value.getBytes(StandardCharsets.UTF_8);
    }

    private <T> T pick(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
