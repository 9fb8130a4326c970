package io.tsgate.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Map;

/**
 * VictoriaMetrics JSON line import ({@code /api/v1/import}, the format {@code /api/v1/export} produces): one object
 * per line, {@code {"metric":{"__name__":…,…},"values":[…],"timestamps":[…]}}; rows are the entries of
 * {@code values}. Jackson's streaming parser reads the objects one after another without building trees.
 */
final class JsonLineCounter implements FormatCounter {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
        if (!tally.lenient) {
            objects(body, 0, length, tally);
            return;
        }
        // VictoriaMetrics skips a line it cannot parse and goes on with the next.
        for (int start = 0; start < length; ) {
            int end = start;
            while (end < length && body[end] != '\n') {
                end++;
            }
            try {
                objects(body, start, end - start, tally);
            } catch (MalformedBodyException e) {
                tally.skipLine();
            }
            start = end + 1;
        }
    }

    private static void objects(byte[] body, int offset, int length, Tally tally) throws MalformedBodyException {
        try (JsonParser p = JSON.createParser(body, offset, length)) {
            int line = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                line++;
                if (t != JsonToken.START_OBJECT) {
                    throw bad(line, "want an object");
                }
                long values = -1;
                boolean metric = false;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if (field.equals("metric") && v == JsonToken.START_OBJECT) {
                        metric = true;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            p.nextToken();
                            tally.key.add(name, p.getValueAsString(""));
                        }
                    } else if (field.equals("values") && v == JsonToken.START_ARRAY) {
                        values = 0;
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            values++;
                        }
                    } else {
                        p.skipChildren();
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
        } catch (IOException e) {
            throw MalformedBodyException.malformed("JSON line import: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getClass().getSimpleName()));
        }
    }

    private static MalformedBodyException bad(int line, String what) {
        return MalformedBodyException.malformed("JSON line import object " + line + ": " + what);
    }
}
