package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The path checks scan the path instead of splitting it or building prefixes: on random paths they decide exactly
 * what the split-and-compare reading below decides.
 */
class PathScanTest {
    private static String refCheck(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return BadRequestException.PATH_NOT_ABSOLUTE;
        }
        if (path.contains("//")) {
            return BadRequestException.PATH_DOUBLE_SLASH;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return BadRequestException.PATH_DOT_SEGMENT;
            }
        }
        return "ok";
    }

    private static String check(String path) {
        try {
            RequestTarget.checkPath(path);
            return "ok";
        } catch (BadRequestException e) {
            return e.reason();
        }
    }

    private static boolean refTenantPrefix(String path) {
        for (String p : new String[] {"/select", "/insert", "/delete"}) {
            if (path.equals(p) || path.startsWith(p + "/")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void dotSegmentsAndDoubledSlashesAsTheSplitReadingFindsThem() {
        Random r = new Random(5);
        String[] pieces = {"/", ".", "..", "a", "...", ".a", "a."};
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = r.nextInt(7); j > 0; j--) {
                sb.append(pieces[r.nextInt(pieces.length)]);
            }
            String path = sb.toString();
            assertEquals(refCheck(path), check(path), path);
        }
    }

    @Test
    void tenantPrefixAsTheConcatenatingReadingFindsIt() {
        Random r = new Random(6);
        String[] pieces = {"/", "/select", "/insert", "/delete", "x", "select", "/selec", "/api"};
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = r.nextInt(4); j > 0; j--) {
                sb.append(pieces[r.nextInt(pieces.length)]);
            }
            String path = sb.toString();
            assertEquals(refTenantPrefix(path), EndpointCatalogue.hasTenantPrefix(path), path);
        }
    }
}
