package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.tsgate.request.RequestAttributes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link CheckRequests}: the request headers are Envoy's map read in place when its keys are lower-case, and a
 * lower-cased copy otherwise; either way they are exactly the lower-cased, pseudo-header-free map, whatever the
 * sender put in.
 */
class CheckRequestsTest {
    private static CheckRequest request(String path, Map<String, String> headers) {
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod("GET").setPath(path).putAllHeaders(headers)))).build();
    }

    /** What the headers must be: every key lower-cased (the last of a clash wins), pseudo-headers dropped. */
    private static Map<String, String> expected(Map<String, String> sent) {
        Map<String, String> out = new HashMap<>();
        sent.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
        out.keySet().removeIf(k -> k.startsWith(":"));
        return out;
    }

    private static void assertSameHeaders(Map<String, String> want, Map<String, String> got) {
        assertEquals(want, got);
        assertEquals(want.size(), got.size());
        assertEquals(want.keySet(), got.keySet());
        assertEquals(new TreeSet<>(want.keySet()), new TreeSet<>(got.keySet()));
        assertEquals(want.entrySet(), got.entrySet());
        for (String k : List.of(":path", ":authority", ":method", "")) {
            assertNull(got.get(k), k);
            assertFalse(got.containsKey(k), k);
            assertFalse(got.keySet().contains(k), k);
        }
        want.forEach((k, v) -> {
            assertEquals(v, got.get(k));
            assertTrue(got.containsKey(k));
        });
    }

    @Test
    void lowerCaseHeadersAreEnvoysMapWithoutPseudoHeaders() {
        Map<String, String> sent = Map.of(":path", "/x", ":authority", "vm", ":method", "GET",
                "authorization", "Bearer t", "x-tsgate-evil", "1", "accept", "*/*");
        RequestAttributes a = CheckRequests.toAttributes(request("/api/v1/query", sent));
        assertSameHeaders(expected(sent), a.headers());
        assertEquals("/api/v1/query", a.rawPath());
        assertEquals("Bearer t", a.header("Authorization"));
    }

    @Test
    void mixedCaseOrNonAsciiKeysAreLowerCasedAsBefore() {
        Map<String, String> sent = new LinkedHashMap<>();
        sent.put("Authorization", "Bearer t");
        sent.put("X-Tsgate-Evil", "1");
        sent.put(":path", "/p");
        sent.put("accountid", "7");
        sent.put("AccountID", "8");
        sent.put("x-\u00c4rger", "umlaut");
        RequestAttributes a = CheckRequests.toAttributes(request("", sent));
        Map<String, String> want = new HashMap<>();
        // the proto map keeps its own order; compute the clash winner from the map the request actually holds
        CheckRequest r = request("", sent);
        r.getAttributes().getRequest().getHttp().getHeadersMap().forEach((k, v) -> want.put(k.toLowerCase(Locale.ROOT), v));
        want.keySet().removeIf(k -> k.startsWith(":"));
        assertSameHeaders(want, a.headers());
        assertEquals("/p", a.rawPath(), ":path stands in for an empty path");
    }

    @Test
    void pathComesFromThePseudoHeaderOnlyWhenThePathFieldIsEmpty() {
        assertEquals("/from-header", CheckRequests.toAttributes(request("", Map.of(":path", "/from-header"))).rawPath());
        assertEquals("/field", CheckRequests.toAttributes(request("/field", Map.of(":path", "/from-header"))).rawPath());
        assertEquals("", CheckRequests.toAttributes(request("", Map.of("a", "b"))).rawPath());
    }

    @Test
    void randomHeaderMapsReadTheSameInPlaceAndCopied() {
        Random r = new Random(42);
        String[] names = {"a", "B", ":path", ":x", "x-tsgate-a", "X-TSGATE-B", "accountid", "ProjectID", "\u00e9", "k"};
        for (int i = 0; i < 500; i++) {
            Map<String, String> sent = new LinkedHashMap<>();
            int n = r.nextInt(names.length + 1);
            for (int j = 0; j < n; j++) {
                sent.put(names[r.nextInt(names.length)], "v" + j);
            }
            CheckRequest req = request("/p", sent);
            Map<String, String> want = new HashMap<>();
            req.getAttributes().getRequest().getHttp().getHeadersMap()
                    .forEach((k, v) -> want.put(k.toLowerCase(Locale.ROOT), v));
            want.keySet().removeIf(k -> k.startsWith(":"));
            assertSameHeaders(want, CheckRequests.toAttributes(req).headers());
        }
    }

    @Test
    void rawHeaderListIsMergedAndLowerCased() {
        HeaderMap raw = HeaderMap.newBuilder()
                .addHeaders(HeaderValue.newBuilder().setKey(":path").setRawValue(ByteString.copyFromUtf8("/raw")))
                .addHeaders(HeaderValue.newBuilder().setKey("Accept").setRawValue(ByteString.copyFromUtf8("a")))
                .addHeaders(HeaderValue.newBuilder().setKey("accept").setRawValue(ByteString.copyFromUtf8("b")))
                .build();
        CheckRequest req = CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod("GET").setHeaderMap(raw)))).build();
        RequestAttributes a = CheckRequests.toAttributes(req);
        assertEquals(Map.of("accept", "a,b"), a.headers());
        assertEquals("/raw", a.rawPath());
        assertEquals(Set.of("accept"), a.headers().keySet());
    }

    @Test
    void emptyBodyIsEmptyAndABodyIsCopied() {
        assertEquals(0, CheckRequests.toAttributes(request("/p", Map.of())).body().length);
        CheckRequest withBody = CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod("POST").setPath("/p").setBody("a=1")))).build();
        assertEquals("a=1", new String(CheckRequests.toAttributes(withBody).body(), java.nio.charset.StandardCharsets.UTF_8));
    }
}
