package io.tsgate.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class LineLoggerTest {

    @Test
    void clientTextCannotStartAForgedLineOrFieldInTextFormat() {
        String line = LineLogger.line("T", Level.INFO, "io.tsgate.decision",
                "denied reason=x message=\"bad label a\nT\tinfo\tdecision\tallowed b\"", "", false);
        assertEquals("T\tinfo\tdecision\tdenied reason=x message=\"bad label a\\nT\\tinfo\\tdecision\\tallowed b\"", line);
    }

    @Test
    void stackTraceKeepsItsLinesInTextFormat() {
        assertEquals("T\twarn\tGateway\tfailed\njava.lang.Exception\n\tat x\n",
                LineLogger.line("T", Level.WARN, "io.tsgate.Gateway", "failed", "\njava.lang.Exception\n\tat x\n", false));
    }

    @Test
    void jsonFormatEscapesQuotesAndControls() {
        assertEquals("{\"ts\":\"T\",\"level\":\"info\",\"logger\":\"a.B\",\"msg\":\"say \\\"hi\\\"\\n\\\\\"}",
                LineLogger.line("T", Level.INFO, "a.B", "say \"hi\"\n\\", "", true));
    }

    private static final java.util.List<org.slf4j.event.KeyValuePair> FIELDS = java.util.List.of(
            new org.slf4j.event.KeyValuePair("status", 401), new org.slf4j.event.KeyValuePair("reason", "bad_signature"),
            new org.slf4j.event.KeyValuePair("subject", "al \"ice\""), new org.slf4j.event.KeyValuePair("path", "/a\nb"));

    @Test
    void jsonFormatGivesEachFieldItsOwnKey() {
        assertEquals("{\"ts\":\"T\",\"level\":\"warn\",\"logger\":\"io.tsgate.decision\",\"msg\":\"denied\","
                + "\"status\":401,\"reason\":\"bad_signature\",\"subject\":\"al \\\"ice\\\"\",\"path\":\"/a\\nb\"}",
                LineLogger.line("T", Level.WARN, "io.tsgate.decision", "denied", "", FIELDS, true));
    }

    @Test
    void textFormatAppendsFieldsQuotingThoseWithSpacesQuotesOrControls() {
        assertEquals("T\twarn\tdecision\tdenied status=401 reason=bad_signature subject=\"al \\\"ice\\\"\" path=\"/a\\nb\"",
                LineLogger.line("T", Level.WARN, "io.tsgate.decision", "denied", "", FIELDS, false));
    }

    @Test
    void disabledTimestampsLeaveTheFieldOut() {
        assertEquals("{\"level\":\"info\",\"logger\":\"a\",\"msg\":\"m\"}",
                LineLogger.line(null, Level.INFO, "a", "m", "", true));
        assertEquals("info\ta\tm", LineLogger.line(null, Level.INFO, "a", "m", "", false));
    }
}
