package io.tsgate.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code -apikeys.file}: the whole YAML file is one snapshot; any error rejects the file, naming it. */
public final class ApiKeyFileLoader implements ApiKeyLoader {
    private final Path file;
    private final ApiKeyParser parser;

    public ApiKeyFileLoader(Path file, ApiKeyParser parser) {
        this.file = file;
        this.parser = parser;
    }

    @Override
    public List<ApiKeyEntry> load() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read (" + e.getClass().getSimpleName() + ")", e);
        }
        try {
            return parser.parseFile(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
