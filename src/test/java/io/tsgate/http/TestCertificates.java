package io.tsgate.http;

import io.tsgate.it.DebianPackages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed server certificates for 127.0.0.1 made by the real openssl, with the key in the spelling asked for:
 * PKCS#8 ({@code openssl req -newkey}) or the "traditional" PKCS#1 / SEC1 ({@code openssl pkey -traditional}).
 */
public final class TestCertificates {
    private final Path dir;

    public TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** Key families: {@code ec} (P-256) or {@code rsa} (2048). Returns {certificate, key}. */
    public Path[] selfSigned(String name, String family, boolean traditionalKey) throws IOException {
        List<String> newkey = family.equals("rsa") ? List.of("-newkey", "rsa:2048")
                : List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        List<String> args = new ArrayList<>(List.of("req", "-x509"));
        args.addAll(newkey);
        args.addAll(List.of("-nodes", "-days", "1", "-subj", "/CN=" + name,
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", name + ".key", "-out", name + ".crt"));
        openssl(args);
        if (traditionalKey) {
            openssl(List.of("pkey", "-in", name + ".key", "-traditional", "-out", name + ".trad.key"));
            Files.move(dir.resolve(name + ".trad.key"), dir.resolve(name + ".key"), StandardCopyOption.REPLACE_EXISTING);
        }
        return new Path[] {dir.resolve(name + ".crt"), dir.resolve(name + ".key")};
    }

    private void openssl(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(DebianPackages.ensureInstalled("/usr/bin/openssl", "openssl")
                .toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
