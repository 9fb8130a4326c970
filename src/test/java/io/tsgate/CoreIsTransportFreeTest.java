package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The core (request, auth, policy, limits, ingest) imports no gRPC, protobuf, Envoy, HTTP server or Redis types. */
class CoreIsTransportFreeTest {
    private static final List<String> CORE = List.of("request", "auth", "policy", "limits", "ingest");
    private static final List<String> FORBIDDEN = List.of("io.grpc", "com.google.protobuf", "com.google.rpc",
            "io.envoyproxy", "com.sun.net.httpserver", "io.lettuce", "io.netty", "java.net.http");
    /** Prometheus remote write bodies are protobuf: ingest reads that wire format itself, never a transport message. */
    private static final List<String> ALLOWED = List.of("src/main/java/io/tsgate/ingest/RemoteWriteCounter.java: "
            + "import com.google.protobuf.CodedInputStream;");

    @Test
    void corePackagesImportNoTransportTypes() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (String pkg : CORE) {
            Path dir = Path.of("src/main/java/io/tsgate", pkg);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    for (String line : Files.readAllLines(f)) {
                        String l = line.trim();
                        if (l.startsWith("import ") && FORBIDDEN.stream().anyMatch(x -> l.contains(" " + x + ".")
                                || l.contains("static " + x + "."))) {
                            offenders.add(f + ": " + l);
                        }
                    }
                }
            }
        }
        offenders.removeAll(ALLOWED);
        assertEquals(List.of(), offenders);
    }
}
