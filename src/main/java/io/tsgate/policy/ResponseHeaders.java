package io.tsgate.policy;

/** Names of the headers tsgate sets on allowed requests, shared by every adapter. */
public final class ResponseHeaders {
    public static final String TENANT = "x-tsgate-tenant";
    public static final String CLASS = "x-tsgate-class";
    public static final String PATH = "x-tsgate-path";

    private ResponseHeaders() {
    }

    /** Prometheus-style JSON error body for a denial. */
    public static String errorBody(Deny d) {
        return "{\"status\":\"error\",\"errorType\":\"" + d.errorType() + "\",\"error\":\"" + jsonEscape(d.message()) + "\"}";
    }

    static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
