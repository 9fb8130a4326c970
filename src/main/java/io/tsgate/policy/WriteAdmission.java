package io.tsgate.policy;

import io.tsgate.ingest.ExtraLabels;
import io.tsgate.ingest.MalformedBodyException;
import io.tsgate.ingest.WriteCount;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.limits.Limiter;
import io.tsgate.request.BadRequestException;
import io.tsgate.request.EndpointCatalogue;
import io.tsgate.request.Label;
import io.tsgate.request.QueryParam;
import io.tsgate.request.QueryStrings;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import io.tsgate.request.WriteFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one answer to "does this write need its body counted, and can this data plane count it?", for every adapter.
 * A write needs counting when its tenant has a {@code rows_inserted}, {@code new_series} or {@code active_series}
 * limit. It can be counted when tsgate decodes its format and a body counter (ext_proc) follows the authorization.
 * A write that needs counting and cannot be counted gets {@code -ratelimit.uncountableWrites}: refused (403,
 * the default) or let through uncounted. Limits are metrics limits: the write paths here are VictoriaMetrics'.
 *
 * <p>At authorization ({@link #atAuthorization}, from {@link RequestAuthorizer}) only the path is known. ext_proc
 * then asks {@link #plan} with the request headers, {@link #checkBody} as the body arrives, and {@link #admit} with
 * its count; every refusal is a {@link Deny} of class write with a stable reason. Nothing here blocks: the limiter
 * answers with a stage.
 */
public final class WriteAdmission {
    private final Limiter limiter;
    private final boolean denyUncountable;
    private final long maxBodyBytes;

    /**
     * @param limiter         the rate limiter ({@code UnlimitedLimiter} when limits are off: nothing needs counting)
     * @param denyUncountable {@code -ratelimit.uncountableWrites=deny}
     * @param maxBodyBytes    {@code -ingest.maxBodyBytes}: the largest body counted, as sent
     */
    public WriteAdmission(Limiter limiter, boolean denyUncountable, long maxBodyBytes) {
        this.limiter = limiter;
        this.denyUncountable = denyUncountable;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * For an allowed write, before anything reads its body: null when it may go on (nothing to count, or
     * {@code counting} will count it), else the refusal.
     */
    Deny atAuthorization(Allow a, BodyCounting counting) {
        Tenant tenant = a.access().tenant();
        if (!limiter.countsWrites(tenant)) {
            return null; // from memory: most writes stop here, before the path is read again
        }
        WriteFormat format = EndpointCatalogue.writeFormat(a.path());
        if (format == WriteFormat.STORES_NOTHING) {
            return null;
        }
        if (format == null || !format.countable()) {
            return denyUncountable ? formatUncountable(tenant, a.access().subject()) : null;
        }
        if (counting == BodyCounting.EXT_PROC || !denyUncountable) {
            return null;
        }
        return written(new Deny(403, "write_not_countable", "tenant " + tenant + " has row or series limits and no "
                + "write body is counted on this data plane (forward-auth, or Envoy ext_authz on a route without the "
                + "context extension " + BodyCounting.CONTEXT_EXTENSION + ": " + BodyCounting.EXT_PROC.value()
                + "), so the write is refused (-ratelimit.uncountableWrites=deny); send it through an Envoy route "
                + "with tsgate's ext_proc filter", tenant.toString(), a.access().subject()));
    }

    /** For a write's request headers at ext_proc: pass it without its body, refuse it, or read its body. */
    public WritePlan plan(WriteRequest w) {
        WriteFormat format = EndpointCatalogue.writeFormat(w.path());
        if (format == WriteFormat.STORES_NOTHING) {
            return new WritePlan.Pass("not_write");
        }
        if (format == null) {
            format = WriteFormat.UNCOUNTABLE; // a write endpoint tsgate has no decoder for: never passed as countable
        }
        boolean charged = limiter.countsWrites(w.tenant());
        boolean confined = confinedByPath(w.query());
        if (!format.countable() && confined) {
            // The 30-label rule below needs the body; VictoriaMetrics 1.79.5 appends extra_label after the series'
            // own labels in every format (app/vminsert/datadog and native request_handler.go insertRows at v1.79.5)
            // and truncates past 30, so an unread body could be stored outside the token's labels.
            return refuse(w, 403, "write_format_unconfinable", "the token confines what it writes (extra_label) and "
                    + "this write format cannot be read to check that the confinement holds; use remote write, JSON "
                    + "line, Prometheus text, CSV, Influx or OpenTSDB");
        }
        if (!charged) {
            if (!format.countable() || !confined) {
                return new WritePlan.Pass("no_write_limits");
            }
            // A confined write of a tenant without write limits: nothing is charged, but its body is still read,
            // because VictoriaMetrics 1.79 keeps only the first 30 labels of a series and adds the token's extra
            // labels last, so a series with many labels of its own would be stored without them.
        } else if (!format.countable()) {
            return denyUncountable ? new WritePlan.Refuse(formatUncountable(w.tenant(), w.subject()))
                    : new WritePlan.Pass("uncountable_allowed");
        }
        if (w.endOfStream()) {
            return new WritePlan.Pass("empty_body");
        }
        if (w.contentEncodings() > 1) {
            // VictoriaMetrics reads the first (Go's Header.Get); a proxy on the way may keep another or join them.
            return refuse(w, 400, "write_encoding_unsupported", "Content-Encoding is sent " + w.contentEncodings()
                    + " times; a counted write must send it once");
        }
        try {
            return countPlan(w, format, charged);
        } catch (BadRequestException e) {
            return refuse(w, 400, "write_query_malformed", e.getMessage());
        }
    }

    /**
     * The body received so far, {@code size} bytes: null while it may still be counted. {@code more} is true when
     * a message arrived after the one whole body that was counted (a route streaming its body).
     */
    public Deny checkBody(WritePlan.Count c, long size, boolean more) {
        if (more) {
            return written(new Deny(400, "write_body_streamed", "the write body arrived in several messages after "
                    + "tsgate counted the first; send bodies to ext_proc BUFFERED (no per-route streaming override)",
                    c.tenant().toString(), c.subject()));
        }
        if (size > maxBodyBytes) {
            return written(new Deny(413, "write_body_too_large", "write body exceeds -ingest.maxBodyBytes="
                    + maxBodyBytes, c.tenant().toString(), c.subject()));
        }
        return null;
    }

    /** A body the counter could not read as VictoriaMetrics would. */
    public Deny malformed(WritePlan.Count c, MalformedBodyException e) {
        return written(new Deny(e.status(), e.reason(), e.getMessage(), c.tenant().toString(), c.subject()));
    }

    /**
     * Charges a counted body against the tenant's limits. Completes with null when the write may go on, else with
     * its refusal: over a limit, or {@code limit_backend_unavailable} when the limiter's stage fails. Never completes
     * exceptionally; completes on whatever thread the limiter answers on.
     */
    public CompletionStage<Deny> admit(WritePlan.Count c, WriteCount count) {
        if (!c.charged()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletionStage<LimitVerdict> stage;
        try {
            stage = limiter.admitWrite(c.tenant(), count.rows(), count.seriesHashes());
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((verdict, failure) -> {
            if (failure != null) {
                return written(LimitDenials.unavailable().withIdentity(c.tenant().toString(), c.subject()));
            }
            if (verdict.allowed()) {
                return null;
            }
            return written(LimitDenials.of(verdict, "a write of " + count.rows() + " rows and " + count.series()
                    + " series to tenant " + c.tenant() + ": ").withIdentity(c.tenant().toString(), c.subject()));
        }).exceptionally(e -> written(LimitDenials.unavailable().withIdentity(c.tenant().toString(), c.subject())));
    }

    private Deny formatUncountable(Tenant tenant, String subject) {
        return written(new Deny(403, "write_format_uncountable", "tenant " + tenant + " has row or series limits and "
                + "this write format cannot be counted (-ratelimit.uncountableWrites=deny); use remote write, "
                + "JSON line, Prometheus text, CSV, Influx or OpenTSDB", tenant.toString(), subject));
    }

    private static WritePlan refuse(WriteRequest w, int status, String reason, String message) {
        return new WritePlan.Refuse(written(new Deny(status, reason, message, w.tenant().toString(), w.subject())));
    }

    private static Deny written(Deny d) {
        return d.withClass(RequestClass.WRITE);
    }

    /** True when the authorized path adds labels to what is written (extra_label): the write is confined. */
    private static boolean confinedByPath(String query) {
        try {
            for (QueryParam p : QueryStrings.parse(query)) {
                if (p.name().equals("extra_label")) {
                    return true;
                }
            }
            return false;
        } catch (BadRequestException e) {
            return true; // countPlan refuses it with the reason
        }
    }

    private static WritePlan.Count countPlan(WriteRequest w, WriteFormat format, boolean charged)
            throws BadRequestException {
        Map<String, String> args = new HashMap<>();
        List<Label> extra = new ArrayList<>();
        for (QueryParam p : QueryStrings.parse(w.query())) {
            if (p.name().equals("extra_label")) {
                int eq = p.value().indexOf('=');
                if (eq <= 0) {
                    // VictoriaMetrics refuses a missing '=' and reads an empty name as the metric name, renaming
                    // every stored series: neither is a label tsgate could count the way it is stored.
                    throw new BadRequestException("write_query_malformed", "extra_label must be name=value with a "
                            + "non-empty name, not \"" + p.value() + "\"");
                }
                extra.add(new Label(p.value().substring(0, eq), p.value().substring(eq + 1)));
            } else {
                args.putIfAbsent(p.name(), p.value()); // VictoriaMetrics reads the first of repeated arguments
            }
        }
        return new WritePlan.Count(w.tenant(), w.subject(), format, w.contentEncoding(), args, ExtraLabels.of(extra),
                charged);
    }
}
