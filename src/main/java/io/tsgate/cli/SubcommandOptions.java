package io.tsgate.cli;

import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine;

/**
 * Parses a subcommand's options with picocli into an object whose fields carry {@code @Option}. Every option is
 * declared as {@code -name} and {@code --name}, so {@code -name=value}, {@code --name=value} and {@code -name value}
 * all work; a repeated single-value option keeps its last value; {@code @file} arguments are not expanded (a value
 * starting with {@code @} is a value).
 */
final class SubcommandOptions {
    private SubcommandOptions() {
    }

    /**
     * Fills {@code spec} from {@code args}. Null when the command should go on; otherwise its exit code: 0 after
     * printing {@code usage} (help was asked for), 2 after one line on {@code err} naming the bad option.
     */
    static Integer parse(Object spec, String command, List<String> args, Runnable usage, PrintStream err) {
        CommandLine cl = new CommandLine(spec)
                .setExpandAtFiles(false)
                .setOverwrittenOptionsAllowed(true)
                .setPosixClusteredShortOptionsAllowed(false);
        try {
            cl.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            err.println(command + ": " + e.getMessage() + " (run " + command + " -help)");
            return 2;
        }
        if (cl.isUsageHelpRequested()) {
            usage.run();
            return 0;
        }
        return null;
    }
}
