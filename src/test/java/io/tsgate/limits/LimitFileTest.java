package io.tsgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Tenant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LimitFileTest {
    private static final Tenant T15 = new Tenant(1, 5);
    private static final Tenant OTHER = new Tenant(2, 0);

    @Test
    void exampleFileParsesWithItsTenantOverride() throws Exception {
        LimitRules r = LimitFile.parse(Files.readString(Path.of("examples/limits/limits.yaml")), "example");
        assertEquals(6, r.all().size());
        assertEquals(List.of("10/MINUTE", "20000/HOUR"), describe(r.forTenant(T15, LimitType.QUERIES)));
        assertEquals(List.of("20000/HOUR", "600/MINUTE"), describe(r.forTenant(OTHER, LimitType.QUERIES)));
        assertTrue(r.countsWrites(OTHER));
    }

    @Test
    void tenantEntryOverridesOnlyTheSameTypeAndResolution() throws Exception {
        LimitRules r = LimitFile.parse("""
                limits:
                  - {type: queries, value: 100, resolution: minute}
                  - {type: rows_inserted, value: 50, resolution: minute}
                  - {type: queries, value: 7, resolution: hour, account_id: 1, project_id: 5}
                  - {type: rows_inserted, value: 9, resolution: minute, account_id: 1, project_id: 5}
                """, "t");
        assertEquals(List.of("100/MINUTE", "7/HOUR"), describe(r.forTenant(T15, LimitType.QUERIES)));
        assertEquals(List.of("9/MINUTE"), describe(r.forTenant(T15, LimitType.ROWS_INSERTED)));
        assertEquals(List.of("100/MINUTE"), describe(r.forTenant(OTHER, LimitType.QUERIES)));
        assertEquals(List.of("50/MINUTE"), describe(r.forTenant(OTHER, LimitType.ROWS_INSERTED)));
    }

    @Test
    void accountAloneMeansProjectZero() throws Exception {
        LimitRules r = LimitFile.parse("limits: [{type: queries, value: 3, resolution: minute, account_id: 4}]", "t");
        assertEquals(1, r.forTenant(new Tenant(4, 0), LimitType.QUERIES).length);
        assertEquals(0, r.forTenant(new Tenant(4, 1), LimitType.QUERIES).length);
    }

    @Test
    void queriesOnlyFileDoesNotCountWrites() throws Exception {
        LimitRules r = LimitFile.parse("limits: [{type: queries, value: 3, resolution: minute}]", "t");
        assertFalse(r.countsWrites(OTHER));
        assertTrue(LimitFile.parse("", "t").isEmpty());
    }

    /** vmgateway's cluster quick-start limit file, as its README prints it: no entry says resolution. */
    @Test
    void vmgatewaysClusterQuickStartFileAppliesItsLimitsPerMinute() throws Exception {
        LimitRules r = LimitFile.parse(Files.readString(Path.of("src/test/resources/vmgateway/cluster-limit.yaml")), "q");
        assertEquals(5, r.all().size());
        assertTrue(r.all().stream().allMatch(rule -> rule.resolution() == Resolution.MINUTE), r.toString());
        assertEquals(List.of("1/MINUTE"), describe(r.forTenant(new Tenant(15, 0), LimitType.QUERIES)));
        assertEquals(List.of("100/MINUTE"), describe(r.forTenant(OTHER, LimitType.QUERIES)));
    }

    @Test
    void aMissingResolutionStillCountsForDuplicates() {
        InvalidLimitFileException e = assertThrows(InvalidLimitFileException.class, () -> LimitFile.parse(
                "limits: [{type: queries, value: 1}, {type: queries, value: 2, resolution: minute}]", "f.yaml"));
        assertTrue(e.getMessage().contains("a second queries/minute entry"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "limits: [{type: query, value: 1, resolution: minute}]                      | limits[0].type: want queries",
        "limits: [{type: queries, value: 1, resolution: second}]                    | limits[0].resolution: want minute or hour",
        "limits: [{type: queries, value: -1, resolution: minute}]                   | limits[0].value: want an integer",
        "limits: [{type: queries, value: 1.5, resolution: minute}]                  | limits[0].value: want an integer",
        "limits: [{type: queries, value: '5', resolution: minute}]                  | limits[0].value: want an integer",
        "limits: [{type: queries, resolution: minute}]                              | limits[0]: value is required",
        "limits: [{type: queries, value: 1, resolution: minute, tenant: 1}]         | limits[0]: unknown key \"tenant\"",
        "limits: [{type: queries, value: 1, resolution: minute, account_id: 4294967296}] | limits[0].account_id: want an integer from 0 to 4294967295",
        "limit: []                                                                   | unknown key \"limit\"",
        "limits: {type: queries}                                                     | limits: want a list",
        "limits: [{type: queries, value: 1, resolution: minute}, {type: queries, value: 2, resolution: minute}] | limits[1]: a second queries/minute entry for all tenants",
        "limits: [ {type: queries                                                    | not valid YAML",
    })
    void invalidFilesNameTheEntryAndField(String yaml, String expected) {
        InvalidLimitFileException e = assertThrows(InvalidLimitFileException.class, () -> LimitFile.parse(yaml, "f.yaml"));
        assertTrue(e.getMessage().startsWith("f.yaml: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static List<String> describe(LimitRule[] rules) {
        return Arrays.stream(rules).map(r -> r.value() + "/" + r.resolution()).sorted().toList();
    }
}
