package io.tsgate.parity;


/** One write format's grammar of risky spellings. */
interface Grammar {
    /** The format's name in recipes and statistics. */
    String name();

    /** Draws one write: endpoint, query arguments and plain body. */
    Draft draft(Dice r);
}
