/**
 * Reload status of config files (limit file, access rules) as one set of metrics labelled by config, vmauth's
 * {@code reloadAuthConfigData} model: whether the last reload worked, when one last did, how many failed; and
 * {@link io.tsgate.reload.ReloadedText}, the one read-compare-parse-swap step both text configs reload with.
 */
package io.tsgate.reload;
