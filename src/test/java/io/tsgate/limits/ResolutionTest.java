package io.tsgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResolutionTest {
    @ParameterizedTest
    @CsvSource({
        // resolution, epoch second, window index, seconds to reset
        "MINUTE, 0, 0, 60",
        "MINUTE, 59, 0, 1",
        "MINUTE, 60, 1, 60",
        "MINUTE, 125, 2, 55",
        "HOUR, 3599, 0, 1",
        "HOUR, 3600, 1, 3600",
        "HOUR, 7261, 2, 3539",
        "MINUTE, -1, -1, 1",
    })
    void windowsAreEpochAligned(Resolution r, long second, long window, long reset) {
        assertEquals(window, r.window(second));
        assertEquals(reset, r.secondsToReset(second));
    }
}
