package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LinesTest {
    /** Lines joined by '|', with \r and \n written as R and N in the table. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = ';', emptyValue = "", value = {
            "'';''",
            "a;a",
            "aN;a",
            "aNb;a|b",
            "aRNRNbN;a||b",
            "R;''",
            "aRRN;aR",
            "NN;|",
            "aRbN;aRb",
    })
    void splitsAtNewlineLessOneCarriageReturn(String body, String want) {
        byte[] b = body.replace('R', '\r').replace('N', '\n').getBytes(StandardCharsets.US_ASCII);
        List<String> got = new ArrayList<>();
        Lines lines = new Lines(b, b.length);
        int n = 0;
        while (lines.next()) {
            assertEquals(++n, lines.number());
            got.add(new String(b, lines.start(), lines.stop() - lines.start(), StandardCharsets.US_ASCII)
                    .replace('\r', 'R'));
        }
        assertEquals(want, String.join("|", got));
    }
}
