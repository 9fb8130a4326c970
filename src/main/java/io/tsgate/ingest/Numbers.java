package io.tsgate.ingest;

import java.util.regex.Pattern;

/** Which value texts VictoriaMetrics' parsers accept as sample values; lines with other values store nothing. */
final class Numbers {
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?(?:(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|0[xX][0-9a-fA-F]+(?:\\.[0-9a-fA-F]*)?(?:[pP][+-]?\\d+)?"
                    + "|(?i:inf|infinity|nan))");
    private static final Pattern INFLUX = Pattern.compile(
            "[+-]?(?:(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?[iu]?)|[tT]|[fF]|true|True|TRUE|false|False|FALSE");

    private Numbers() {
    }

    static boolean isFloat(CharSequence s) {
        return FLOAT.matcher(s).matches();
    }

    static boolean isInfluxValue(CharSequence s) {
        return INFLUX.matcher(s).matches();
    }
}
