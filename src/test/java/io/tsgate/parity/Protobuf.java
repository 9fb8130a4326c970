package io.tsgate.parity;

/** The protobuf wire encoding, by hand, so generated messages can carry what generated code never writes. */
final class Protobuf {
    private final Bytes out = new Bytes();

    Protobuf varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.octet((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.octet((int) v);
        return this;
    }

    Protobuf tag(int field, int wireType) {
        return varint(((long) field << 3) | wireType);
    }

    Protobuf bytes(int field, byte[] b) {
        tag(field, 2).varint(b.length);
        out.raw(b);
        return this;
    }

    Protobuf int64(int field, long v) {
        return tag(field, 0).varint(v);
    }

    Protobuf fixed64(int field, long bits) {
        tag(field, 1);
        for (int i = 0; i < 8; i++) {
            out.octet((int) (bits >>> (8 * i)));
        }
        return this;
    }

    Protobuf raw(byte[] b) {
        out.raw(b);
        return this;
    }

    byte[] toArray() {
        return out.toArray();
    }
}
