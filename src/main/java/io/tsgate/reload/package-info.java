/**
 * Reload status of config files (limit file, access rules) as one set of metrics labelled by config, vmauth's
 * {@code reloadAuthConfigData} model: whether the last reload worked, when one last did, how many failed.
 */
package io.tsgate.reload;
