package io.tsgate.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code -datasource.*}: where the datasource rate-limit backend sends its queries and how it authenticates.
 *
 * @param authorization the Authorization header value (basic or bearer), or null; a secret, masked by toString
 */
public record DatasourceConfig(String url, String authorization, Path tlsCAFile, Path tlsCertFile, Path tlsKeyFile,
                               boolean tlsInsecureSkipVerify) {

    static DatasourceConfig from(FlagValues f) throws ConfigException {
        String url = f.string("datasource.url").trim();
        if (!url.isEmpty() && !url.startsWith("http://") && !url.startsWith("https://")) {
            throw new ConfigException("-datasource.url: want an http:// or https:// URL, got \"" + url + "\"");
        }
        String user = f.string("datasource.basicAuth.username");
        String password = secret(f, "datasource.basicAuth.password", "datasource.basicAuth.passwordFile");
        String token = secret(f, "datasource.bearerToken", "datasource.bearerTokenFile");
        if (!token.isEmpty() && (!user.isEmpty() || !password.isEmpty())) {
            throw new ConfigException("-datasource.bearerToken and -datasource.basicAuth.* exclude each other");
        }
        String auth = null;
        if (!token.isEmpty()) {
            auth = "Bearer " + token;
        } else if (!user.isEmpty() || !password.isEmpty()) {
            auth = "Basic " + java.util.Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }
        Path cert = f.readableFile("datasource.tlsCertFile");
        Path key = f.readableFile("datasource.tlsKeyFile");
        if ((cert == null) != (key == null)) {
            throw new ConfigException("-datasource.tlsCertFile and -datasource.tlsKeyFile go together");
        }
        return new DatasourceConfig(url, auth, f.readableFile("datasource.tlsCAFile"), cert, key,
                f.bool("datasource.tlsInsecureSkipVerify"));
    }

    private static String secret(FlagValues f, String inline, String file) throws ConfigException {
        String v = f.string(inline);
        String path = f.string(file);
        if (!v.isEmpty() && !path.isEmpty()) {
            throw new ConfigException("-" + inline + " and -" + file + " exclude each other");
        }
        if (path.isEmpty()) {
            return v;
        }
        try {
            return Files.readString(Path.of(path), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new ConfigException("-" + file + ": cannot read " + path);
        }
    }

    @Override
    public String toString() {
        return "DatasourceConfig[url=" + url + ", authorization=" + (authorization == null ? "none" : "****") + "]";
    }
}
