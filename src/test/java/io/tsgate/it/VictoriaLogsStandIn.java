package io.tsgate.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for VictoriaLogs (and VictoriaTraces, which shares its select and tenant code) where neither is packaged:
 * it records what the real server would act on and answers with it. Read in VictoriaLogs v1.26.0 (commit 7c0626e):
 * <ul>
 *   <li>Tenant ({@code lib/logstorage/tenant_id.go GetTenantIDFromRequest}): the first {@code AccountID} and
 *       {@code ProjectID} header values ({@code Header.Get}); empty is 0; anything {@code ParseUint(s, 10, 32)}
 *       refuses is an error (400).</li>
 *   <li>Arguments ({@code app/vlselect/logsql/logsql.go parseCommonArgs}, via Go's {@code Request.FormValue} and
 *       {@code r.Form}): for POST, PUT and PATCH with {@code application/x-www-form-urlencoded} bodies the body's
 *       values come first, then the URL query's; {@code query} is the first value, {@code extra_filters} and
 *       {@code extra_stream_filters} every value (each ANDed into the query).</li>
 * </ul>
 * Each request is recorded; {@code /select/…} answers a JSON object of the tenant and arguments it would run with,
 * {@code /insert/…} answers 200 as an accepted ingestion does. Tested by {@code VictoriaLogsStandInTest}.
 */
final class VictoriaLogsStandIn implements AutoCloseable {

    /** One request as the backend would read it. */
    record Received(String method, String path, Map<String, List<String>> headers, List<String[]> form,
                    String tenant) {
        List<String> all(String name) {
            List<String> out = new ArrayList<>();
            for (String[] kv : form) {
                if (kv[0].equals(name)) {
                    out.add(kv[1]);
                }
            }
            return out;
        }

        String first(String name) {
            List<String> v = all(name);
            return v.isEmpty() ? "" : v.get(0);
        }

        List<String> header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private VictoriaLogsStandIn(HttpServer server) {
        this.server = server;
    }

    static VictoriaLogsStandIn start() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        VictoriaLogsStandIn standIn = new VictoriaLogsStandIn(s);
        s.createContext("/", standIn::handle);
        s.start();
        return standIn;
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    Received last() {
        return received.isEmpty() ? null : received.get(received.size() - 1);
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Map<String, List<String>> headers = new TreeMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        List<String[]> form = new ArrayList<>();
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        String method = ex.getRequestMethod();
        if ((method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) && type != null
                && type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            form.addAll(parse(new String(body, StandardCharsets.UTF_8)));
        }
        String rawQuery = ex.getRequestURI().getRawQuery();
        form.addAll(parse(rawQuery == null ? "" : rawQuery));
        String tenant;
        try {
            tenant = id(first(headers, "accountid")) + ":" + id(first(headers, "projectid"));
        } catch (NumberFormatException e) {
            reply(ex, 400, "cannot obtain tenantID: " + e.getMessage());
            received.add(new Received(method, ex.getRequestURI().getRawPath(), headers, form, null));
            return;
        }
        Received r = new Received(method, ex.getRequestURI().getRawPath(), headers, form, tenant);
        received.add(r);
        if (r.path().startsWith("/select/")) {
            reply(ex, 200, "{\"tenant\":\"" + tenant + "\",\"query\":" + json(r.first("query"))
                    + ",\"extra_filters\":" + json(r.all("extra_filters"))
                    + ",\"extra_stream_filters\":" + json(r.all("extra_stream_filters")) + "}");
        } else {
            reply(ex, 200, "");
        }
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? "" : v.get(0);
    }

    /** Go's {@code strconv.ParseUint(s, 10, 32)}, empty being 0. */
    static long id(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                throw new NumberFormatException("cannot parse \"" + s + "\" as uint32");
            }
        }
        long v = Long.parseLong(s);
        if (v > 0xFFFF_FFFFL) {
            throw new NumberFormatException("cannot parse \"" + s + "\" as uint32: out of range");
        }
        return v;
    }

    /** {@code url.ParseQuery} for the well-formed queries tsgate forwards ('+' is a space). */
    static List<String[]> parse(String q) {
        List<String[]> out = new ArrayList<>();
        for (String pair : q.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.add(new String[] {URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8)});
        }
        return out;
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String json(List<String> l) {
        List<String> q = new ArrayList<>();
        l.forEach(s -> q.add(json(s)));
        return "[" + String.join(",", q) + "]";
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
