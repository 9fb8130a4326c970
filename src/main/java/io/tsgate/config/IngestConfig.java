package io.tsgate.config;

/**
 * Write accounting through ext_proc: body bounds and what happens to formats that cannot be counted.
 *
 * @param maxBodyBytes     {@code -ingest.maxBodyBytes}: largest body as sent
 * @param maxDecodedBytes  {@code -ingest.maxDecodedBytes}: largest body after Content-Encoding
 * @param denyUncountable  {@code -ratelimit.uncountableWrites=deny}
 */
public record IngestConfig(int maxBodyBytes, int maxDecodedBytes, boolean denyUncountable) {
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
        return new IngestConfig(body, decoded, uncountable.equals("deny"));
    }

    /** The gRPC listener's inbound message limit: a whole buffered body plus the message around it. */
    public int maxGrpcMessageBytes() {
        return maxBodyBytes + MESSAGE_OVERHEAD;
    }
}
