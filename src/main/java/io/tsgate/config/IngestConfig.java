package io.tsgate.config;

/**
 * Write accounting through ext_proc: body bounds and what happens to formats that cannot be counted.
 *
 * @param maxBodyBytes     {@code -ingest.maxBodyBytes}: largest body as sent
 * @param maxDecodedBytes  {@code -ingest.maxDecodedBytes}: largest body after Content-Encoding
 * @param denyUncountable  {@code -ratelimit.uncountableWrites=deny}
 * @param extProcByDefault {@code -extAuthz.bodyCounting=ext_proc}: a Check from a route without the
 *                         {@code body_counting} context extension counts as followed by tsgate's ext_proc
 */
public record IngestConfig(int maxBodyBytes, int maxDecodedBytes, boolean denyUncountable, boolean extProcByDefault) {
    /** Without ext_proc assumed on routes that do not say (the default). */
    public IngestConfig(int maxBodyBytes, int maxDecodedBytes, boolean denyUncountable) {
        this(maxBodyBytes, maxDecodedBytes, denyUncountable, false);
    }

    /** Room for the ProcessingRequest around the body in one gRPC message. */
    private static final int MESSAGE_OVERHEAD = 64 * 1024;

    public static IngestConfig from(FlagValues f) throws ConfigException {
        int body = f.size("ingest.maxBodyBytes");
        if (body <= 0 || body > Integer.MAX_VALUE - MESSAGE_OVERHEAD) {
            throw new ConfigException("-ingest.maxBodyBytes: want a positive byte count below 2GiB, got " + body);
        }
        int decoded = f.size("ingest.maxDecodedBytes");
        if (decoded < body) {
            throw new ConfigException("-ingest.maxDecodedBytes: must be at least -ingest.maxBodyBytes (" + body + "), got " + decoded);
        }
        String uncountable = f.string("ratelimit.uncountableWrites");
        if (!uncountable.equals("allow") && !uncountable.equals("deny")) {
            throw new ConfigException("-ratelimit.uncountableWrites: want allow or deny, got \"" + uncountable + "\"");
        }
        String counting = f.string("extAuthz.bodyCounting");
        if (!counting.equals("none") && !counting.equals("ext_proc")) {
            throw new ConfigException("-extAuthz.bodyCounting: want none or ext_proc, got \"" + counting + "\"");
        }
        return new IngestConfig(body, decoded, uncountable.equals("deny"), counting.equals("ext_proc"));
    }

    /** The gRPC listener's inbound message limit: a whole buffered body plus the message around it. */
    public int maxGrpcMessageBytes() {
        return maxBodyBytes + MESSAGE_OVERHEAD;
    }
}
