package io.tsgate.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Map;

/**
 * OpenTSDB HTTP {@code /api/put}: one data point object {@code {"metric":…,"timestamp":…,"value":…,"tags":{…}}} or
 * an array of them; one row per object, the series being the metric name and its tags.
 *
 * <p>VictoriaMetrics reads the body with fastjson (lib/protoparser/opentsdbhttp/parser.go at v1.79.5, 3282829e, and
 * at b7ef6cc3): the first {@code metric}, {@code value}, {@code timestamp} and {@code tags} keys count and a tag
 * value must be a string. A repeated key or a tag value that is no string refuses the body, and the body must pass
 * {@link JsonText}.
 */
final class OpenTsdbCounter implements FormatCounter {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String FORMAT = "OpenTSDB put";

    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
        JsonText.requireUtf8(body, 0, length, FORMAT);
        try (JsonParser p = JSON.createParser(body, 0, length)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                int n = 0;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    point(p, t, ++n, tally);
                }
            } else {
                point(p, t, 1, tally);
            }
            if (p.nextToken() != null) {
                throw MalformedBodyException.malformed(FORMAT + ": unexpected data after the JSON value");
            }
        } catch (JsonProcessingException e) {
            throw MalformedBodyException.malformed(FORMAT + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw MalformedBodyException.malformed(FORMAT + ": " + e.getClass().getSimpleName());
        }
    }

    private static void point(JsonParser p, JsonToken t, int n, Tally tally) throws IOException, MalformedBodyException {
        if (t != JsonToken.START_OBJECT) {
            throw bad(n, "is not an object");
        }
        boolean metric = false;
        boolean value = false;
        boolean tags = false;
        boolean timestamp = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "metric" -> {
                    if (metric) {
                        throw bad(n, "repeats \"metric\"");
                    }
                    metric = true;
                    if (v != JsonToken.VALUE_STRING || p.getText().isEmpty()) {
                        throw bad(n, "needs a metric name");
                    }
                    // opentsdbhttp adds the metric name before the tags, whatever the member order: a __name__ tag wins.
                    tally.key.addMetricNameFirst(JsonText.checked(p.getText(), FORMAT));
                }
                case "value" -> {
                    if (value) {
                        throw bad(n, "repeats \"value\"");
                    }
                    value = true;
                    if (!v.isScalarValue() || v == JsonToken.VALUE_NULL) {
                        throw bad(n, "needs a value");
                    }
                }
                case "timestamp" -> {
                    if (timestamp) {
                        throw bad(n, "repeats \"timestamp\"");
                    }
                    timestamp = true;
                    p.skipChildren();
                }
                case "tags" -> {
                    if (tags) {
                        throw bad(n, "repeats \"tags\"");
                    }
                    tags = true;
                    tags(p, v, n, tally.key);
                }
                default -> p.skipChildren();
            }
        }
        if (!metric || !value) {
            throw bad(n, "needs metric and value");
        }
        tally.series(1);
    }

    private static void tags(JsonParser p, JsonToken v, int n, SeriesKey key) throws IOException, MalformedBodyException {
        if (v != JsonToken.START_OBJECT) {
            throw bad(n, "tags must be an object");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = JsonText.checked(p.currentName(), FORMAT);
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw bad(n, "tag values must be strings");
            }
            String value = JsonText.checked(p.getText(), FORMAT);
            if (!name.isEmpty()) { // opentsdbhttp's unmarshalTags drops a tag with an empty name
                key.add(name, value);
            }
        }
    }

    private static MalformedBodyException bad(int n, String what) {
        return MalformedBodyException.malformed(FORMAT + ": data point " + n + " " + what);
    }
}
