package io.tsgate.config;

import java.time.Duration;

/**
 * How tsgate stops on SIGTERM without failing a request: first it reports itself unready and keeps deciding for
 * {@code delay} (so Kubernetes, a load balancer or Envoy's health checks move traffic away), then it stops accepting
 * and gives requests in flight up to {@code maxGraceful} to finish. Names, defaults and meaning follow VictoriaMetrics'
 * own flags of these names ({@code lib/httpserver/httpserver.go}, VictoriaMetrics b7ef6cc3 and v1.79.5: delay 0,
 * graceful 7s), except that the delay turns {@code /ready} unready where VictoriaMetrics turns {@code /health}: here
 * {@code /health} is the liveness probe, and failing it would get the container killed mid-drain.
 *
 * @param delay       {@code -http.shutdownDelay}: unready but still deciding, before connections are drained
 * @param maxGraceful {@code -http.maxGracefulShutdownDuration}: the longest wait for requests in flight once draining
 */
public record ShutdownConfig(Duration delay, Duration maxGraceful) {
    public static ShutdownConfig from(FlagValues f) throws ConfigException {
        Duration delay = f.duration("http.shutdownDelay");
        if (delay.isNegative()) {
            throw new ConfigException("-http.shutdownDelay: must not be negative");
        }
        return new ShutdownConfig(delay, f.positiveDuration("http.maxGracefulShutdownDuration"));
    }
}
