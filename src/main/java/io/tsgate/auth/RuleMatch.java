package io.tsgate.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The rule a token's claims selected and the {@code vm_access} object it grants them (placeholders filled).
 *
 * @param rule  the winning rule
 * @param grant the claim-shaped grant, for {@link VmAccessClaim}
 */
public record RuleMatch(AccessRule rule, ObjectNode grant) {
}
