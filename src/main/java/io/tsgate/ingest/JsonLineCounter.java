package io.tsgate.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Map;

/**
 * VictoriaMetrics JSON line import ({@code /api/v1/import}, the format {@code /api/v1/export} produces): one object
 * per line, {@code {"metric":{"__name__":…,…},"values":[…],"timestamps":[…]}}; rows are the entries of
 * {@code values}. Jackson's streaming parser reads the objects one after another without building trees.
 *
 * <p>VictoriaMetrics reads each line with fastjson (lib/protoparser/vmimport/parser.go at v1.79.5, 3282829e, and at
 * b7ef6cc3): {@code GetObject("metric")} and {@code GetArray("values")} take the first key of that name, and a tag
 * whose value is no string is stored without it. A repeated {@code metric}, {@code values} or {@code timestamps}
 * key refuses the body (fastjson's lookup also depends on how the key was escaped), and the body must pass
 * {@link JsonText}.
 */
final class JsonLineCounter implements FormatCounter {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String FORMAT = "JSON line import";

    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
        JsonText.requireUtf8(body, 0, length, FORMAT);
        try (JsonParser p = JSON.createParser(body, 0, length)) {
            int line = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                line++;
                if (t != JsonToken.START_OBJECT) {
                    throw bad(line, "want an object");
                }
                object(p, line, tally);
            }
        } catch (JsonProcessingException e) {
            throw MalformedBodyException.malformed(FORMAT + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw MalformedBodyException.malformed(FORMAT + ": " + e.getClass().getSimpleName());
        }
    }

    private static void object(JsonParser p, int line, Tally tally) throws IOException, MalformedBodyException {
        long values = -1;
        boolean metric = false;
        boolean timestamps = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "metric" -> {
                    if (metric) {
                        throw bad(line, "repeated \"metric\"");
                    }
                    metric = true;
                    if (v != JsonToken.START_OBJECT) {
                        throw bad(line, "\"metric\" must be an object");
                    }
                    labels(p, tally.key);
                }
                case "values" -> {
                    if (values >= 0) {
                        throw bad(line, "repeated \"values\"");
                    }
                    if (v != JsonToken.START_ARRAY) {
                        throw bad(line, "\"values\" must be an array");
                    }
                    values = 0;
                    for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                        p.skipChildren();
                        values++;
                    }
                }
                case "timestamps" -> {
                    if (timestamps) {
                        throw bad(line, "repeated \"timestamps\"");
                    }
                    timestamps = true;
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        if (!metric || values < 0) {
            throw bad(line, "want \"metric\" and \"values\"");
        }
        if (values > 0) {
            tally.series(values);
        } else {
            tally.key.reset();
        }
    }

    /** Tags of {@code metric}; a value that is no string is stored empty, that is dropped. */
    private static void labels(JsonParser p, SeriesKey key) throws IOException, MalformedBodyException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = JsonText.checked(p.currentName(), FORMAT);
            if (p.nextToken() == JsonToken.VALUE_STRING) {
                key.add(name, JsonText.checked(p.getText(), FORMAT));
            } else {
                p.skipChildren();
            }
        }
    }

    private static MalformedBodyException bad(int line, String what) {
        return MalformedBodyException.malformed(FORMAT + " object " + line + ": " + what);
    }
}
