package io.tsgate.auth;

import io.tsgate.request.RequestClass;

/** vmgateway's access mode bitmask: 0 full, 1 read, 2 write, 3 read+write. */
public enum Mode {
    FULL(0), READ(1), WRITE(2), READ_WRITE(3);

    private final int bits;

    Mode(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    /** Mode for a claim value, or null when the value is not one vmgateway defines. */
    public static Mode of(long bits) {
        for (Mode m : values()) {
            if (m.bits == bits) {
                return m;
            }
        }
        return null;
    }

    public boolean allows(RequestClass c) {
        return switch (this) {
            case FULL -> true;
            case READ -> c == RequestClass.READ;
            case WRITE -> c == RequestClass.WRITE;
            case READ_WRITE -> c == RequestClass.READ || c == RequestClass.WRITE;
        };
    }
}
