package io.tsgate.config;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Pattern;

/** VictoriaMetrics' size flag syntax: a decimal number with an optional KB/MB/GB/TB or KiB/MiB/GiB/TiB suffix. */
final class Sizes {
    private static final Pattern NUMBER = Pattern.compile("[0-9]+(\\.[0-9]*)?|\\.[0-9]+");
    private static final String[] DECIMAL = {"KB", "MB", "GB", "TB"};
    private static final String[] BINARY = {"KiB", "MiB", "GiB", "TiB"};

    private Sizes() {
    }

    /** The byte count, or -1 when the text is not a size (or does not fit a long). */
    static long parse(String text) {
        // VictoriaMetrics upper-cases the text, then turns every I back into i: 8mib, 8MIB and 8MiB are one value.
        String v = text.toUpperCase(Locale.ROOT).replace('I', 'i');
        for (int i = 0; i < BINARY.length; i++) {
            if (v.endsWith(BINARY[i])) {
                return times(v.substring(0, v.length() - 3), BigDecimal.valueOf(1024).pow(i + 1));
            }
        }
        for (int i = 0; i < DECIMAL.length; i++) {
            if (v.endsWith(DECIMAL[i])) {
                return times(v.substring(0, v.length() - 2), BigDecimal.valueOf(1000).pow(i + 1));
            }
        }
        return times(v, BigDecimal.ONE);
    }

    private static long times(String number, BigDecimal unit) {
        if (!NUMBER.matcher(number).matches()) {
            return -1;
        }
        BigDecimal bytes = new BigDecimal(number.startsWith(".") ? "0" + number : number).multiply(unit);
        return bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? -1 : bytes.longValue();
    }
}
