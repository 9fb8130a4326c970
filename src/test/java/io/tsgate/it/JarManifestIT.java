package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shaded jar says what it is: title, the pom's version and the license, in its manifest. */
class JarManifestIT {
    @Test
    void manifestCarriesThePomVersionAndLicense() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>tsgate</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        m.find();
        try (JarFile jar = new JarFile(Path.of("target", "tsgate.jar").toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals(m.group(1), main.getValue("Implementation-Version"));
            assertEquals("tsgate", main.getValue("Implementation-Title"));
            assertEquals("Apache-2.0", main.getValue("Implementation-License"));
            assertEquals("io.tsgate.cli.Main", main.getValue("Main-Class"));
        }
    }
}
