package io.leadscore.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented precedence, highest first: command line > environment > the {@code --conf}
 * overlay > reference.conf. Each key below is set by every layer down to the one that must
 * win, so a layer winning out of turn changes a value.
 */
class AppSettingsPrecedenceTest {
  @TempDir Path dir;

  /** Sets warehouse and model-file plainly and through {@code ${?LEADSCORE_*}}, as
   *  conf/local.conf does, and the time zone that only the overlay and reference set. */
  private File overlay() throws IOException {
    Path file = dir.resolve("overlay.conf");
    Files.writeString(file, """
        leadscore {
          home = "/overlay-home"
          warehouse = "/overlay/warehouse"
          model-file = "/overlay/model.conf"
          model-file = ${?LEADSCORE_MODEL}
          inputs.leads.path = ${leadscore.home}"/leads"
          ingest.default-time-zone = "Europe/Berlin"
        }
        """);
    return file.toFile();
  }

  private static final Map<String, String> ENVIRONMENT = Map.of(
      "LEADSCORE_HOME", "/env-home",
      "LEADSCORE_WAREHOUSE", "/env/warehouse",
      "LEADSCORE_MODEL", "/env/model.conf");

  @Test
  void commandLineBeatsEnvironmentBeatsOverlayBeatsReference() throws IOException {
    AppSettings s = AppSettings.load(Optional.of(overlay()),
        Map.of("leadscore.warehouse", "/cli/warehouse"), ENVIRONMENT);
    assertEquals("/cli/warehouse", s.warehouse(), "command line over environment");
    assertEquals("/env/model.conf", s.modelFile(), "environment over the overlay");
    assertEquals("/env-home/leads", s.leads().path(),
        "environment's LEADSCORE_HOME used by the overlay's ${leadscore.home}");
    assertEquals("Europe/Berlin", s.defaultTimeZone().getId(), "overlay over reference");
    assertEquals("csv", s.leads().format(), "reference where nothing else sets it");
  }

  @Test
  void theEnvironmentWinsOverAnOverlayThatSetsTheKeyPlainly() throws IOException {
    AppSettings s = AppSettings.load(Optional.of(overlay()), Map.of(), ENVIRONMENT);
    assertEquals("/env/warehouse", s.warehouse());
  }

  @Test
  void withoutEnvironmentTheOverlayWinsAndWithoutOverlayTheReference() throws IOException {
    AppSettings overlaid = AppSettings.load(Optional.of(overlay()), Map.of(), Map.of());
    assertEquals("/overlay/warehouse", overlaid.warehouse());
    assertEquals("/overlay/model.conf", overlaid.modelFile());
    assertEquals("/overlay-home/leads", overlaid.leads().path());
    AppSettings reference = AppSettings.load(Optional.empty(), Map.of(), Map.of());
    assertEquals("warehouse", reference.warehouse());
    assertEquals("UTC", reference.defaultTimeZone().getId());
  }

  @Test
  void anEmptyVariableDoesNotSetItsKey() throws IOException {
    AppSettings s = AppSettings.load(Optional.of(overlay()), Map.of(),
        Map.of("LEADSCORE_WAREHOUSE", ""));
    assertEquals("/overlay/warehouse", s.warehouse());
  }
}
