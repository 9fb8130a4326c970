package io.tsgate.parity;

import java.util.List;

/**
 * The generator: case {@code index} of the run with {@code seed} is a pure function of the two, so one failing case
 * regenerates alone ({@code -Dtsgate.parity.seed=S -Dtsgate.parity.case=N}).
 */
public final class WriteCases {
    private static final List<Grammar> GRAMMARS = List.of(new PrometheusTextGrammar(), new JsonLineGrammar(),
            new CsvGrammar(), new InfluxGrammar(), new OpenTsdbGrammar(), new RemoteWriteGrammar());

    private WriteCases() {
    }

    /** The names of the formats cases are drawn from. */
    public static List<String> formats() {
        return GRAMMARS.stream().map(Grammar::name).toList();
    }

    public static WriteCase generate(long seed, int index) {
        Dice r = new Dice(seed ^ (index * 0x9E3779B97F4A7C15L));
        Grammar g = GRAMMARS.get(r.nextInt(GRAMMARS.size()));
        Draft d = g.draft(r);
        Encodings.Encoded e = Encodings.encode(r, d, g instanceof RemoteWriteGrammar);
        String recipe = "risk " + r.risk() + "; " + (d.recipe().isEmpty() ? "" : d.recipe() + "; ") + e.recipe();
        return new WriteCase(seed, index, g.name(), d.path(), d.query(), e.headers(), e.body(), recipe);
    }
}
