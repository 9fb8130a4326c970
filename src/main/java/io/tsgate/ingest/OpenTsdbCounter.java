package io.tsgate.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Map;

/**
 * OpenTSDB HTTP {@code /api/put}: one data point object {@code {"metric":…,"timestamp":…,"value":…,"tags":{…}}} or
 * an array of them; one row per object, the series being the metric name and its tags.
 */
final class OpenTsdbCounter implements FormatCounter {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
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
                throw MalformedBodyException.malformed("OpenTSDB put: unexpected data after the JSON value");
            }
        } catch (IOException e) {
            throw MalformedBodyException.malformed("OpenTSDB put: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getClass().getSimpleName()));
        }
    }

    private static void point(JsonParser p, JsonToken t, int n, Tally tally) throws IOException, MalformedBodyException {
        if (t != JsonToken.START_OBJECT) {
            throw MalformedBodyException.malformed("OpenTSDB put: data point " + n + " is not an object");
        }
        boolean metric = false;
        boolean value = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "metric" -> {
                    metric = v == JsonToken.VALUE_STRING && !p.getText().isEmpty();
                    tally.key.addMetricName(p.getValueAsString(""));
                }
                case "value" -> value = v.isScalarValue() && v != JsonToken.VALUE_NULL;
                case "tags" -> {
                    if (v != JsonToken.START_OBJECT) {
                        throw MalformedBodyException.malformed("OpenTSDB put: data point " + n + ": tags must be an object");
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        p.nextToken();
                        tally.key.add(name, p.getValueAsString(""));
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (!metric || !value) {
            throw MalformedBodyException.malformed("OpenTSDB put: data point " + n + " needs metric and value");
        }
        tally.series(1);
    }
}
