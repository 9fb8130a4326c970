package io.tsgate.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys from {@code -auth.publicKeys}, {@code -auth.publicKeyFiles} and {@code -auth.hmacSecretFiles}.
 *
 * <p>{@link #load} reads everything and fails start-up on the first bad key. {@link #refresh} (called by the
 * caller's background scheduler, never on the request path) re-reads only files whose modification time or size
 * changed and swaps in a new {@link KeySet}. A changed file that no longer parses keeps its last good keys and
 * counts a reload error, like vmauth keeps its last good config: a half-written file must not lock users out.
 *
 * <p>A key file's kid is its file name without the last extension ({@code keys/team-a.pem} → {@code team-a});
 * every PEM block in it shares that kid. An HMAC secret file holds the raw secret; trailing CR/LF are dropped
 * so that {@code echo secret > file} works.
 */
public final class PemKeySource implements KeySource {
    private static final Logger log = LoggerFactory.getLogger(PemKeySource.class);

    private final List<VerificationKey> inlineKeys;
    /** Per watched file, in configuration order; only touched under {@code this} lock. */
    private final Map<Path, LoadedFile> files;
    private final AtomicLong reloadErrors = new AtomicLong();
    private volatile KeySet current;
    private volatile boolean lastRefreshOk = true;

    private record FileStamp(FileTime modified, long size) {
    }

    /** Failure marker for a file that could not even be stat'ed, so that its error is counted once. */
    private static final FileStamp UNREADABLE = new FileStamp(FileTime.fromMillis(0), -1);

    private record LoadedFile(boolean hmac, FileStamp stamp, List<VerificationKey> keys, FileStamp failedStamp,
                              SourceBinding binding) {
    }

    private PemKeySource(List<VerificationKey> inlineKeys, Map<Path, LoadedFile> files) {
        this.inlineKeys = List.copyOf(inlineKeys);
        this.files = files;
        this.current = snapshot();
    }

    /**
     * Reads every configured key. Throws {@link IllegalArgumentException} with one line naming the flag or file at
     * fault and what to do. Having no key at all is not an error here (JWKS may supply them); the caller decides.
     */
    public static PemKeySource load(JwtSettings settings) {
        List<VerificationKey> inline = new ArrayList<>();
        for (int i = 0; i < settings.publicKeysPem().size(); i++) {
            for (VerificationKey k : PublicKeyReader.read(settings.publicKeysPem().get(i), "",
                    "-auth.publicKeys[" + i + "]")) {
                inline.add(k.withBinding(settings.globalBinding()));
            }
        }
        Map<Path, LoadedFile> files = new LinkedHashMap<>();
        for (Path p : settings.publicKeyFiles()) {
            files.put(p, readOrThrow(p, false, settings.bindingOf(p)));
        }
        for (Path p : settings.hmacSecretFiles()) {
            files.put(p, readOrThrow(p, true, settings.bindingOf(p)));
        }
        return new PemKeySource(inline, files);
    }

    @Override
    public KeySet keySet() {
        return current;
    }

    /** Number of keys in the current snapshot, for {@code /ready} and metrics. */
    public int keyCount() {
        return current.size();
    }

    /** Changed files that failed to load since start; exported as a metric. */
    public long reloadErrors() {
        return reloadErrors.get();
    }

    /** False when the last {@link #refresh} met a broken or missing file (its last good keys stay in force). */
    public boolean lastRefreshOk() {
        return lastRefreshOk;
    }

    /**
     * Re-reads changed files and swaps the snapshot when any key changed. Returns true when the snapshot was
     * replaced. Never throws for a bad file: the error is logged (without file content) and counted.
     */
    public synchronized boolean refresh() {
        boolean changed = false;
        boolean ok = true;
        for (Map.Entry<Path, LoadedFile> e : files.entrySet()) {
            LoadedFile now = refreshFile(e.getKey(), e.getValue());
            changed |= now.keys() != e.getValue().keys();
            ok &= now.failedStamp() == null;
            e.setValue(now);
        }
        lastRefreshOk = ok;
        if (changed) {
            current = snapshot();
        }
        return changed;
    }

    /** The file's new state: re-read when its stamp changed, else as before; failures keep the old keys. */
    private LoadedFile refreshFile(Path path, LoadedFile old) {
        FileStamp stamp;
        try {
            stamp = stamp(path);
        } catch (IOException ex) {
            if (!UNREADABLE.equals(old.failedStamp())) {
                reloadErrors.incrementAndGet();
                log.warn("cannot read key file {}: {}; keeping its last good keys", path, ex.toString());
            }
            return new LoadedFile(old.hmac(), old.stamp(), old.keys(), UNREADABLE, old.binding());
        }
        if (stamp.equals(old.stamp())) {
            // unchanged, or back to the content that last loaded fine
            return old.failedStamp() == null ? old : new LoadedFile(old.hmac(), old.stamp(), old.keys(), null, old.binding());
        }
        if (stamp.equals(old.failedStamp())) {
            return old;
        }
        try {
            LoadedFile fresh = read(path, old.hmac(), stamp, old.binding());
            log.info("reloaded key file {}: {} key(s)", path, fresh.keys().size());
            return fresh;
        } catch (IOException | IllegalArgumentException ex) {
            reloadErrors.incrementAndGet();
            log.warn("cannot reload key file {}: {}; keeping its last good keys", path, ex.getMessage());
            return new LoadedFile(old.hmac(), old.stamp(), old.keys(), stamp, old.binding());
        }
    }

    private KeySet snapshot() {
        List<VerificationKey> all = new ArrayList<>(inlineKeys);
        for (LoadedFile f : files.values()) {
            all.addAll(f.keys());
        }
        return new KeySet(all);
    }

    private static LoadedFile readOrThrow(Path path, boolean hmac, SourceBinding binding) {
        String flag = hmac ? "-auth.hmacSecretFiles" : "-auth.publicKeyFiles";
        try {
            return read(path, hmac, stamp(path), binding);
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + ": cannot read " + path + " (" + e.getClass().getSimpleName()
                    + "); check the path and its permissions");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }

    private static LoadedFile read(Path path, boolean hmac, FileStamp stamp, SourceBinding binding)
            throws IOException {
        byte[] content = Files.readAllBytes(path);
        String kid = kidOf(path);
        List<VerificationKey> keys = hmac
                ? List.of(VerificationKey.hmac(kid, trimLineEnd(content), path.toString()))
                : PublicKeyReader.read(new String(content, StandardCharsets.US_ASCII), kid, path.toString());
        return new LoadedFile(hmac, stamp, keys.stream().map(k -> k.withBinding(binding)).toList(), null, binding);
    }

    private static FileStamp stamp(Path path) throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return new FileStamp(a.lastModifiedTime(), a.size());
    }

    /** File name without its last extension: the key id tokens select this file's keys by. */
    static String kidOf(Path path) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static byte[] trimLineEnd(byte[] b) {
        int n = b.length;
        while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r')) {
            n--;
        }
        return n == b.length ? b : java.util.Arrays.copyOf(b, n);
    }
}
