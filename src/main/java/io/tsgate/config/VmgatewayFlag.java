package io.tsgate.config;

/**
 * A vmgateway flag that tsgate does not serve under the same meaning: it is either taken and ignored with one WARN
 * line ({@code refused} false), or stops start-up ({@code refused} true). Either way {@code note} says why and what
 * to do instead. Flags tsgate honours are plain {@link FlagSpec}s, never listed here.
 *
 * @param kind how the value is read from the command line ({@link FlagKind#BOOL} may stand alone)
 */
public record VmgatewayFlag(String name, FlagKind kind, boolean refused, String note) {
    static VmgatewayFlag ignored(String name, FlagKind kind, String note) {
        return new VmgatewayFlag(name, kind, false, note);
    }

    static VmgatewayFlag refused(String name, FlagKind kind, String note) {
        return new VmgatewayFlag(name, kind, true, note);
    }

    /** The start-up line: the WARN text, or the error message. */
    public String message() {
        return "-" + name + (refused ? " is not supported: " : " is ignored: ") + note;
    }
}
