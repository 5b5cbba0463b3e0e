package io.leadscore.common.state;

import static org.junit.jupiter.api.Assertions.*;

import io.leadscore.common.state.CommitMetadata.TableVersion;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The commit metadata of the derived tables, as the releases before this codec wrote it:
 * stored warehouses must keep being carried, not rebuilt, after an upgrade.
 */
class CommitMetadataTest {
  static final String DAILY = "leadscore.activity_daily rules=3f9c0a activities="
      + "0b6e7c2e-1f4c-4a8e-9d0e-5a3b2c1d0e9f@42";
  static final String STATE = "leadscore.engagement_state as-of=2026-11-20 model=ab12cd"
      + " daily=1111-2222@17 leads=3333-4444@5";

  @Test
  void activityDailyStateOfEarlierReleasesParsesAndWritesTheSameText() {
    ActivityDailyStore.State s = ActivityDailyStore.State.parse(DAILY).orElseThrow();
    assertEquals(new ActivityDailyStore.State("3f9c0a",
        "0b6e7c2e-1f4c-4a8e-9d0e-5a3b2c1d0e9f", 42), s);
    assertEquals(DAILY, s.text());
  }

  @Test
  void engagementStateVersionOfEarlierReleasesParsesAndWritesTheSameText() {
    EngagementStateStore.Version v = EngagementStateStore.Version.parse(STATE).orElseThrow();
    assertEquals(new EngagementStateStore.Version(LocalDate.of(2026, 11, 20), "ab12cd",
        "1111-2222", 17, "3333-4444", 5), v);
    assertEquals(STATE, v.text());
  }

  @Test
  void anotherTablesTextOrABrokenOneIsNoState() {
    assertTrue(ActivityDailyStore.State.parse(STATE).isEmpty());
    assertTrue(EngagementStateStore.Version.parse(DAILY).isEmpty());
    assertTrue(ActivityDailyStore.State.parse("leadscore.activity_daily rules=3f9c0a").isEmpty());
    assertTrue(ActivityDailyStore.State.parse(DAILY.replace("@42", "@x")).isEmpty());
    assertTrue(ActivityDailyStore.State.parse(DAILY.replace("@42", "")).isEmpty());
    assertTrue(EngagementStateStore.Version.parse(STATE.replace("2026-11-20", "2026-13-01"))
        .isEmpty());
    assertTrue(EngagementStateStore.Version.parse(STATE + " extra=1").isEmpty());
    assertTrue(CommitMetadata.parse("activity_daily", List.of("rules"), null).isEmpty());
  }

  @Test
  void aValueWithABlankIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> CommitMetadata.text("t",
        List.of(Map.entry("k", "two words"))));
  }

  @Test
  void tableVersionsSplitAtTheLastAt() {
    assertEquals(Optional.of(new TableVersion("a@b", 3)), TableVersion.parse("a@b@3"));
    assertTrue(TableVersion.parse("@3").isEmpty());
    assertTrue(TableVersion.parse("a@99999999999999999999").isEmpty());
  }
}
