package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.tsgate.Gateway;
import io.tsgate.auth.KeyPairFiles;
import io.tsgate.auth.TokenMinter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A token confined by {@code extra_filters} POSTs a form body that carries more filters, behind a Content-Type that
 * Go's {@code mime.ParseMediaType} (so VictoriaMetrics 1.79.5) reads as a form, while the proxy shows tsgate no body:
 * the Envoy stand-in on {@code envoy/envoy-single.yaml} with {@code with_request_body} taken off its read routes, as an
 * HTTP/2 downstream (no Content-Length, no Transfer-Encoding), and real nginx with the shipped
 * {@code examples/nginx/tsgate.conf} ({@code auth_request} clears Content-Length). Each must be refused (400) and
 * never show team "blue"'s data; so must the same requests through the shipped Envoy config as it is (the body
 * buffered for tsgate). The control sends the same bytes straight to VictoriaMetrics to prove they would widen the
 * view.
 *
 * <p>VictoriaMetrics is shared with the other IT classes (which run one after another); this class writes its own
 * {@code rb_} series in {@code @BeforeAll} and deletes nothing.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadBodySmugglingIT {
    private static final Path SHIPPED_NGINX = Path.of("examples/nginx/tsgate.conf");
    private static final String ALL_RB = "{__name__=~\"rb_.*\"}";
    private static final String TARGET = "/api/v1/series?match%5B%5D=" + enc(ALL_RB);
    private static final List<String> BLUE_MARKERS = List.of("blue", "rb_blue_only", "s3cr3t");

    private VictoriaMetricsServer vm;
    private Gateway gateway;
    private ManagedChannel channel;
    private EnvoyStandIn envoy;
    private EnvoyStandIn shippedEnvoy;
    private NginxServer nginx;
    private PrivateKey signingKey;

    @BeforeAll
    void start(VictoriaMetricsServer vm, @TempDir Path dir) throws Exception {
        this.vm = vm;
        KeyPairFiles keys = KeyPairFiles.generate("RSA", dir, "rb-it", new SecureRandom());
        signingKey = TokenMinter.readPrivateKey(keys.privateKeyFile());
        gateway = Gateway.start("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0", "-enable.auth",
                "-auth.publicKeyFiles=" + keys.publicKeyFile(), "-http.trustedProxyHops=1");
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
        // The shipped config without with_request_body on its read routes, as on an Envoy that buffers no read
        // bodies. A 10 s check timeout (the config's is 0.5 s): the first check (JIT, key loading) can exceed it on a
        // shared build machine.
        envoy = EnvoyStandIn.builder(EnvoyConfig.single().with(ReadBodySmugglingIT::withoutRequestBodies))
                .grpc("tsgate", channel).cluster("victoriametrics", vm.baseUri()).downstreamHttp2()
                .checkTimeout(Duration.ofSeconds(10)).start();
        shippedEnvoy = EnvoyStandIn.builder(EnvoyConfig.single()).grpc("tsgate", channel)
                .cluster("victoriametrics", vm.baseUri()).downstreamHttp2().checkTimeout(Duration.ofSeconds(10)).start();
        String shipped = Files.readString(SHIPPED_NGINX);
        assertTrue(shipped.contains("server 127.0.0.1:8431;") && shipped.contains("server 127.0.0.1:8428;")
                && shipped.contains("listen 127.0.0.1:8427;"), "shipped config changed its addresses");
        nginx = NginxServer.start(port -> shipped
                .replace("server 127.0.0.1:8431;", "server 127.0.0.1:" + gateway.httpPort() + ";")
                .replace("server 127.0.0.1:8428;", "server " + vm.baseUri().getAuthority() + ";")
                .replace("listen 127.0.0.1:8427;", "listen 127.0.0.1:" + port + ";"));
        vm.importPrometheus("rb_metric{team=\"dev\",job=\"a\"} 1\n"
                + "rb_metric{team=\"blue\",job=\"b\"} 2\n"
                + "rb_blue_only{team=\"blue\",secret=\"s3cr3t\"} 3\n");
        vm.awaitExported(ALL_RB, 3);
    }

    @AfterAll
    void stop() {
        if (nginx != null) {
            nginx.close();
        }
        if (envoy != null) {
            envoy.close();
        }
        if (shippedEnvoy != null) {
            shippedEnvoy.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    /** Every route's ext_authz per-route settings without {@code with_request_body}: no body reaches tsgate. */
    private static HttpConnectionManager.Builder withoutRequestBodies(HttpConnectionManager.Builder hcm) {
        for (Route.Builder route : hcm.getRouteConfigBuilder().getVirtualHostsBuilder(0).getRoutesBuilderList()) {
            ExtAuthzPerRoute.Builder perRoute = RouteTableTestSupport.authzPerRoute(route);
            if (perRoute.hasCheckSettings() && perRoute.getCheckSettings().hasWithRequestBody()) {
                perRoute.getCheckSettingsBuilder().clearWithRequestBody();
                RouteTableTestSupport.setAuthzPerRoute(route, perRoute.build());
            }
        }
        return hcm;
    }

    /** Content-Type header lists Go reads as {@code application/x-www-form-urlencoded}, each as raw bytes. */
    static Stream<Arguments> formSpellings() {
        String form = "application/x-www-form-urlencoded";
        return Stream.of(
                Arguments.of("trailing NBSP", List.of(RawHttp.Header.utf8("Content-Type", form + "\u00a0"))),
                Arguments.of("dotted capital I", List.of(RawHttp.Header.utf8("Content-Type",
                        "appl\u0130cation/x-www-form-urlencoded"))),
                Arguments.of("trailing EM SPACE", List.of(RawHttp.Header.utf8("Content-Type", form + "\u2003"))),
                Arguments.of("leading NEL", List.of(RawHttp.Header.utf8("Content-Type", "\u0085" + form))),
                Arguments.of("two headers, form first", List.of(RawHttp.Header.utf8("Content-Type", form),
                        RawHttp.Header.utf8("Content-Type", "text/plain"))),
                Arguments.of("empty parameter", List.of(RawHttp.Header.utf8("Content-Type", form + ";;"))),
                Arguments.of("RFC 2231 parameter", List.of(RawHttp.Header.utf8("Content-Type", form + "; a*=x"))));
    }

    /** Bodies that would widen a {@code {team="dev"}} filter; none of them names team blue. */
    static List<String> smuggledBodies() {
        String any = enc("{team=~\".+\"}");
        return List.of("extra_filters=" + any, "extra_filters%5B%5D=" + any, "extra_filters[]=" + any,
                "extra_label=job%3Db&extra_filters=" + any);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        formSpellings().forEach(a -> {
            for (String body : smuggledBodies()) {
                out.add(Arguments.of(a.get()[0], a.get()[1], body));
            }
        });
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("cases")
    void envoyWithoutRequestBodyRefusesTheSmuggledForm(String label, List<RawHttp.Header> contentType, String body)
            throws Exception {
        RawHttp.Response r = RawHttp.send(envoy.baseUri(), "POST", TARGET, withToken(contentType), bytes(body));
        assertRefused("envoy " + label, r);
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertTrue(http.getBody().isEmpty() && !http.getHeadersMap().containsKey("content-length"),
                "tsgate must have been shown no body: " + http);
        String reason = envoy.lastCheck().response().getStatus().getMessage();
        assertTrue(reason.startsWith("content_type_"), label + " -> " + reason);
    }

    /** The shipped config buffers read bodies for tsgate: the same requests are refused there too. */
    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("cases")
    void shippedEnvoyRefusesTheSmuggledForm(String label, List<RawHttp.Header> contentType, String body)
            throws Exception {
        RawHttp.Response r = RawHttp.send(shippedEnvoy.baseUri(), "POST", TARGET, withToken(contentType), bytes(body));
        assertRefused("shipped envoy " + label, r);
        assertEquals(body, shippedEnvoy.lastCheck().request().getAttributes().getRequest().getHttp().getBody());
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("cases")
    void shippedNginxRefusesTheSmuggledForm(String label, List<RawHttp.Header> contentType, String body)
            throws Exception {
        RawHttp.Response r = RawHttp.send(nginx.baseUri(), "POST", TARGET, withToken(contentType), bytes(body));
        assertRefused("nginx " + label, r);
        assertTrue(r.headers().first("x-tsgate-reason").startsWith("content_type_"),
                label + " -> " + r.headers());
    }

    /** The oracle: the same bytes straight to VictoriaMetrics, with the token's filter, do show team blue. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("formSpellings")
    void theSameBytesWidenTheViewWhenSentStraightToVictoriaMetrics(String label, List<RawHttp.Header> contentType)
            throws Exception {
        RawHttp.Response r = RawHttp.send(vm.baseUri(), "POST", TARGET + "&extra_filters%5B%5D="
                + enc("{team=\"dev\"}"), contentType, bytes(smuggledBodies().get(0)));
        assertEquals(200, r.status(), r.text());
        assertTrue(r.text().contains("blue"), label + ": VictoriaMetrics did not read the body as a form: " + r.text());
    }

    @Test
    void plainReadsStillWorkConfinedThroughBoth() throws Exception {
        for (URI base : List.of(envoy.baseUri(), shippedEnvoy.baseUri(), nginx.baseUri())) {
            RawHttp.Response r = RawHttp.send(base, "GET", TARGET, withToken(List.of()), null);
            assertEquals(200, r.status(), base + " -> " + r.text());
            assertTrue(r.text().contains("\"dev\""), r.text());
            assertNoBlue(base.toString(), r);
        }
    }

    @Test
    void aCorrectFormTypeWithoutItsBodyIsRefusedAsBefore() throws Exception {
        List<RawHttp.Header> form = List.of(RawHttp.Header.utf8("Content-Type", "application/x-www-form-urlencoded"));
        for (URI base : List.of(envoy.baseUri(), nginx.baseUri())) {
            RawHttp.Response r = RawHttp.send(base, "POST", TARGET, withToken(form), bytes(smuggledBodies().get(0)));
            assertRefused(base.toString(), r);
        }
    }

    private void assertRefused(String what, RawHttp.Response r) {
        assertNoBlue(what, r);
        assertEquals(400, r.status(), what + " -> " + r.text());
    }

    private static void assertNoBlue(String what, RawHttp.Response r) {
        for (String marker : BLUE_MARKERS) {
            if (r.text().contains(marker)) {
                fail("SECURITY: a team=dev token saw '" + marker + "' via " + what + ": " + r.text());
            }
        }
    }

    private List<RawHttp.Header> withToken(List<RawHttp.Header> headers) {
        List<RawHttp.Header> out = new ArrayList<>(headers);
        out.add(0, RawHttp.Header.utf8("Authorization", "Bearer " + token()));
        return out;
    }

    private String token() {
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("tenant_id", Map.of("account_id", 0, "project_id", 0));
        access.put("extra_filters", List.of("{team=\"dev\"}"));
        access.put("mode", 1);
        return TokenMinter.mint("RS256", "rb-it", signingKey, Map.of("sub", "rb-dev",
                "exp", Instant.now().plusSeconds(900).getEpochSecond(), "vm_access", access));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
