package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The VictoriaLogs / VictoriaTraces route table (VictoriaLogs v1.26.0 {@code app/vlselect/main.go},
 * {@code app/vlinsert/main.go}; VictoriaTraces {@code app/vtselect/main.go}, {@code app/vtinsert/main.go};
 * https://docs.victoriametrics.com/victorialogs/querying/).
 */
class LogsRoutesTest {

    @ParameterizedTest(name = "[{index}] {0} {1} {2} → {3} honours={4}")
    @CsvSource(delimiter = '|', textBlock = """
            logs   | GET  | /select/logsql/query                           | read  | true
            logs   | POST | /select/logsql/stats_query_range               | read  | true
            logs   | HEAD | /select/logsql/tail                            | read  | true
            traces | GET  | /select/logsql/hits                            | read  | true
            traces | GET  | /select/jaeger/api/services/api/operations     | read  | false
            traces | GET  | /select/jaeger/api/traces/0af7651916cd43dd     | read  | false
            traces | GET  | /select/jaeger/api/dependencies                | read  | false
            logs   | POST | /insert/jsonline                               | write | false
            logs   | PUT  | /insert/elasticsearch/_bulk                    | write | false
            logs   | HEAD | /insert/elasticsearch                          | write | false
            logs   | GET  | /insert/elasticsearch/_nodes/http              | write | false
            logs   | POST | /insert/loki/api/v1/push                       | write | false
            traces | POST | /insert/opentelemetry/v1/traces                | write | false
            """)
    void classifies(String backend, String method, String path, String cls, boolean honours) {
        LogsEndpoint e = EndpointCatalogue.classifyLogs(Backend.of(backend), method, path);
        assertEquals(new LogsEndpoint(path, RequestClass.valueOf(cls.toUpperCase(java.util.Locale.ROOT)), honours), e);
    }

    @ParameterizedTest(name = "[{index}] {0} {1} {2} is not served")
    @CsvSource(delimiter = '|', textBlock = """
            logs    | GET    | /select/logsql/query/
            logs    | GET    | /select/logsql
            logs    | DELETE | /select/logsql/query
            logs    | GET    | /insert/jsonline
            logs    | POST   | /insert/opentelemetry/v1/traces
            traces  | POST   | /insert/opentelemetry/v1/logs
            logs    | GET    | /select/jaeger/api/services
            logs    | GET    | /select//logsql/query
            logs    | GET    | /select/./logsql/query
            logs    | GET    | /select/logsql/%71uery
            logs    | GET    | /select/vmui/
            logs    | POST   | /internal/insert
            logs    | GET    | /metrics
            metrics | GET    | /select/logsql/query
            """)
    void refuses(String backend, String method, String path) {
        assertNull(EndpointCatalogue.classifyLogs(Backend.of(backend), method, path));
    }

    @Test
    void onlyReadsHonourFiltersAndOnlyLogsqlOnes() {
        for (LogsRoutes.Route r : LogsRoutes.TABLE) {
            assertEquals(r.path().startsWith("/select/logsql/"), r.endpoint().honoursFilters(), r.path());
            assertTrue(RequestTarget.isSafePath(r.path()), r.path());
        }
    }
}
