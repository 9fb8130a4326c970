package io.tsgate.policy;

import io.tsgate.request.Tenant;

/**
 * A write as ext_proc sees its request headers, after ext_authz allowed it: everything the body-counting decision
 * needs and nothing of the transport.
 *
 * @param tenant           the tenant ext_authz allowed (from its dynamic metadata, which clients cannot forge)
 * @param subject          the credential's subject, or empty
 * @param path             the authorized path, without the query
 * @param query            the authorized raw query (still percent-encoded), or empty
 * @param contentEncoding  the first Content-Encoding value (the one VictoriaMetrics reads), or null
 * @param contentEncodings how many Content-Encoding fields the request carries
 * @param endOfStream      true when the headers end the request: there is no body
 */
public record WriteRequest(Tenant tenant, String subject, String path, String query, String contentEncoding,
                           int contentEncodings, boolean endOfStream) {
}
