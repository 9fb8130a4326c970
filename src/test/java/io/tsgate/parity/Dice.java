package io.tsgate.parity;

import java.util.Random;

/**
 * A case's randomness plus its risk: the chance that any one spelling is an odd one. A body with one odd spelling
 * among ordinary ones tells more than a body full of them, which any strict parser refuses at its first line; so
 * most cases are tame and a few are wild.
 */
final class Dice extends Random {
    private final double risk;

    Dice(long seed) {
        super(seed);
        double[] levels = {0.0, 0.02, 0.05, 0.1, 0.2, 0.4};
        this.risk = levels[nextInt(levels.length)];
    }

    /** True when the next choice should be an odd spelling. */
    boolean odd() {
        return nextDouble() < risk;
    }

    double risk() {
        return risk;
    }
}
