package io.tsgate.it;

import java.nio.charset.StandardCharsets;

/**
 * Envoy's {@code MessageUtil::sanitizeUtf8String} (v1.34.0 {@code source/common/protobuf/yaml_utility.cc}), used by
 * ext_authz for every string it puts in a CheckRequest ({@code source/extensions/filters/common/ext_authz/
 * check_request_utils.cc}: header values, path, method, host, and the body when {@code pack_as_bytes} is off): each
 * byte that does not start a structurally valid UTF-8 sequence is replaced by one {@code '!'}, so the length in bytes
 * stays the same and every ASCII byte is kept.
 */
final class EnvoyUtf8 {
    private EnvoyUtf8() {
    }

    static String sanitize(byte[] in) {
        byte[] out = in.clone();
        int i = 0;
        while (i < in.length) {
            int n = validSequenceLength(in, i);
            if (n == 0) {
                out[i] = '!';
                i++;
            } else {
                i += n;
            }
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** For header values held as raw bytes in a Latin-1 string (as the HTTP/1 listener reads them). */
    static String sanitizeRaw(String latin1) {
        return sanitize(latin1.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Length of the well-formed sequence at {@code i} (Unicode Table 3-7, as utf8_range checks it), or 0. */
    private static int validSequenceLength(byte[] b, int i) {
        int c = b[i] & 0xff;
        if (c < 0x80) {
            return 1;
        }
        int n;
        int lo = 0x80;
        int hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else {
            return 0;
        }
        if (i + n > b.length) {
            return 0;
        }
        int second = b[i + 1] & 0xff;
        if (second < lo || second > hi) {
            return 0;
        }
        for (int k = 2; k < n; k++) {
            int cont = b[i + k] & 0xff;
            if (cont < 0x80 || cont > 0xbf) {
                return 0;
            }
        }
        return n;
    }
}
