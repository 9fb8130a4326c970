package io.tsgate.policy;

/** The outcome of one authorization: {@link Allow} or {@link Deny}. */
public sealed interface Decision permits Allow, Deny {
}
