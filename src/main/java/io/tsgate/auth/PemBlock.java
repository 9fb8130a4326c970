package io.tsgate.auth;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code -----BEGIN TYPE----- … -----END TYPE-----} block of a PEM text.
 *
 * @param type the label, e.g. {@code PUBLIC KEY}
 * @param der  the decoded body
 */
public record PemBlock(String type, byte[] der) {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END ([A-Z0-9 ]+)-----");

    /**
     * Every block in {@code text}, in order. Throws {@link IllegalArgumentException} with a message (without the
     * text itself) when there is no block, a BEGIN/END pair does not match, or the body is not base64.
     */
    public static List<PemBlock> parseAll(String text) {
        List<PemBlock> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (!m.group(1).equals(m.group(3))) {
                throw new IllegalArgumentException("PEM block BEGIN " + m.group(1) + " ends with END " + m.group(3));
            }
            String body = m.group(2).replaceAll("\\s+", "");
            try {
                blocks.add(new PemBlock(m.group(1), Base64.getDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("PEM block " + m.group(1) + " is not valid base64");
            }
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("no PEM block (-----BEGIN …-----) found");
        }
        return blocks;
    }
}
