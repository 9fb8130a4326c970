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
}
