/** Command-line tools beside the server: {@code tsgate token} mints tokens, {@code tsgate check} explains a decision. */
package io.tsgate.cli;
