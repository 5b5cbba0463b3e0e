package io.leadscore.common.state;

import static io.leadscore.common.Schemas.*;
import static io.leadscore.common.scoring.ScoringFixtures.*;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.*;

import io.delta.tables.DeltaTable;
import io.leadscore.common.config.Model;
import io.leadscore.common.scoring.DailyCounts;
import io.leadscore.common.storage.DeltaStore;
import io.leadscore.common.testing.SparkTestBase;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@link ActivityDailyStore#refresh} brings the counts up to date after each kind of
 * commit to activities: rows only added are counted alone and added to the stored counts of
 * their dates; a commit that removed rows makes its dates counted again; a rewrite that
 * changes no data (OPTIMIZE) counts nothing twice. Each case is checked against counts worked
 * out by hand and against a rebuild from all activities. Rules of {@link
 * io.leadscore.common.scoring.ScoringFixtures#MODEL}: visit is a page_view on /home, open an
 * email_open, unsub an email_unsubscribe (also an opt-out, as email_bounce is).
 */
class ActivityDailyStoreTest extends SparkTestBase {
  static final LocalDate OLD = D.minusDays(3);

  @TempDir Path dir;

  private static Row at(String eventId, LocalDate day, String time, String type, String leadId,
      String email, String url) {
    return RowFactory.create(eventId, ts(day + "T" + time + "Z"), Date.valueOf(day), type,
        leadId, email, null, url, null, null, null, "fixture", "run-0");
  }

  private void add(DeltaStore store, Row... rows) {
    store.append(T_ACTIVITIES, activities(session(), List.of(rows)), EVENT_DATE);
  }

  /** activity_daily as {@code lead|email_key|rule|date|n|last_occurred_at}, nulls first. */
  private static List<String> rows(Dataset<Row> daily) {
    return daily.orderBy(EVENT_DATE, LEAD_ID, EMAIL_KEY, RULE).collectAsList().stream()
        .map(r -> r.getAs(LEAD_ID) + "|" + r.getAs(EMAIL_KEY) + "|" + r.getAs(RULE) + "|"
            + r.getAs(EVENT_DATE) + "|" + r.getAs(N) + "|" + r.getAs(LAST_OCCURRED_AT))
        .toList();
  }

  /** The stored counts equal counting every activity afresh (incremental = full). */
  private static void assertSameAsRebuild(DeltaStore store, Model model) {
    assertEquals(rows(DailyCounts.byIdentity(model, store.read(T_ACTIVITIES))),
        rows(store.read(T_ACTIVITY_DAILY)), "activity_daily against a count of all activities");
  }

  private static List<String> on(DeltaStore store, LocalDate day) {
    return rows(store.read(T_ACTIVITY_DAILY).where(col(EVENT_DATE).equalTo(Date.valueOf(day))));
  }

  @Test
  void rowsAddedSinceTheLastRefreshAreAddedToTheStoredCountsOfTheirDates() {
    DeltaStore store = new DeltaStore(session(), dir.toString());
    Model model = model();
    add(store,
        at("e1", OLD, "09:00:00", "page_view", "L1", null, "/home"),
        at("e2", OLD, "10:00:00", "email_open", "L1", null, null),
        at("e3", OLD, "08:00:00", "email_bounce", "L2", null, null),
        at("e4", D, "09:00:00", "email_open", null, "a@x.com", null));
    Assertions.assertTrue(ActivityDailyStore.refresh(store, model, false).full());

    // Late events for OLD on top of its stored counts, a first one for a new date.
    add(store,
        at("e5", OLD, "11:00:00", "page_view", "L1", null, "/home"),
        at("e6", OLD, "12:00:00", "email_unsubscribe", "L2", null, null),
        at("e7", OLD, "13:00:00", "email_open", null, " A@X.com ", null),
        at("e8", D.minusDays(1), "09:00:00", "email_open", "L1", null, null));
    ActivityDailyStore.Refresh refresh = ActivityDailyStore.refresh(store, model, false);

    Assertions.assertTrue(refresh.addedOnly(), refresh.toString());
    assertFalse(refresh.full());
    assertEquals(2, refresh.dates(), refresh.reason());
    // L1: two visits (e1, e5), one open (e2), three activities; L2: the bounce (08:00) and
    // the unsubscribe (12:00), two opt-outs, the latest at 12:00; a@x.com: one open.
    assertEquals(List.of(
        "null|a@x.com|*|" + OLD + "|1|null",
        "null|a@x.com|open|" + OLD + "|1|null",
        "L1|null|*|" + OLD + "|3|null",
        "L1|null|open|" + OLD + "|1|null",
        "L1|null|visit|" + OLD + "|2|null",
        "L2|null|*|" + OLD + "|2|null",
        "L2|null|*opt-out|" + OLD + "|2|" + ts(OLD + "T12:00:00Z"),
        "L2|null|unsub|" + OLD + "|1|null"), on(store, OLD));
    assertSameAsRebuild(store, model);
  }

  @Test
  void aCommitThatRemovedRowsMakesItsDatesCountedAgain() {
    DeltaStore store = new DeltaStore(session(), dir.toString());
    Model model = model();
    add(store,
        at("e1", OLD, "09:00:00", "page_view", "L1", null, "/home"),
        at("e2", OLD, "10:00:00", "page_view", "L1", null, "/home"),
        at("e3", D, "09:00:00", "email_open", "L1", null, null));
    ActivityDailyStore.refresh(store, model, false);

    // A forget or a hand-made DELETE: what e2 counted is only known by counting again.
    DeltaTable.forPath(session(), store.path(T_ACTIVITIES)).delete(col(EVENT_ID).equalTo("e2"));
    add(store, at("e4", D, "10:00:00", "email_open", "L1", null, null));
    ActivityDailyStore.Refresh refresh = ActivityDailyStore.refresh(store, model, false);

    assertFalse(refresh.addedOnly(), refresh.toString());
    assertEquals(2, refresh.dates(), refresh.reason());
    assertEquals(List.of(
        "L1|null|*|" + OLD + "|1|null",
        "L1|null|visit|" + OLD + "|1|null"), on(store, OLD));
    assertEquals(List.of(
        "L1|null|*|" + D + "|2|null",
        "L1|null|open|" + D + "|2|null"), on(store, D));
    assertSameAsRebuild(store, model);
  }

  @Test
  void aCompactionBetweenRefreshesCountsNothingTwice() {
    DeltaStore store = new DeltaStore(session(), dir.toString());
    Model model = model();
    add(store, at("e1", OLD, "09:00:00", "page_view", "L1", null, "/home"));
    ActivityDailyStore.refresh(store, model, false);
    add(store, at("e2", OLD, "10:00:00", "page_view", "L1", null, "/home"));
    // OPTIMIZE rewrites e1's and e2's files into one (dataChange = false): its added file
    // holds e1, already counted, and must not be counted again.
    DeltaTable.forPath(session(), store.path(T_ACTIVITIES)).optimize().executeCompaction();
    add(store, at("e3", OLD, "11:00:00", "page_view", "L1", null, "/home"));
    ActivityDailyStore.Refresh refresh = ActivityDailyStore.refresh(store, model, false);

    Assertions.assertTrue(refresh.addedOnly(), refresh.toString());
    assertEquals(List.of(
        "L1|null|*|" + OLD + "|3|null",
        "L1|null|visit|" + OLD + "|3|null"), on(store, OLD));
    assertSameAsRebuild(store, model);
  }
}
