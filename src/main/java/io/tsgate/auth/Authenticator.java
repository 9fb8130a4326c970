package io.tsgate.auth;

import io.tsgate.request.RequestAttributes;

/** Finds the credential in a request and turns it into {@link Access}, or rejects the request (401). No I/O. */
public interface Authenticator {
    Access authenticate(RequestAttributes request) throws CredentialRejectedException;

    /** The lower-case request header this authenticator reads; removed before the request goes upstream. */
    String credentialHeader();

    /** Every lower-case header a credential may come in; all are removed before the request goes upstream. */
    default java.util.List<String> credentialHeaders() {
        return java.util.List.of(credentialHeader());
    }
}
