package io.leadscore.common.scoring;

import static org.junit.jupiter.api.Assertions.*;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Which dates a carry from S to D reads, worked out by hand; no Spark. */
class CarryPlanTest {
  static final LocalDate S = LocalDate.of(2026, 11, 1);

  private static List<LocalDate> days(LocalDate first, LocalDate last) {
    List<LocalDate> out = new ArrayList<>();
    for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
      out.add(d);
    }
    return out;
  }

  @Test
  void threeDaysOnTheOldestThreeDaysLeaveAndTheNewThreeEnter() {
    CarryPlan plan = CarryPlan.of(S, S.plusDays(3), 30, Set.of());
    assertEquals(3, plan.days());
    // S's window is S-29..S; D's is S-26..S+3.
    assertEquals(days(S.minusDays(29), S.minusDays(27)), List.copyOf(plan.leaving()));
    assertEquals(days(S.plusDays(1), S.plusDays(3)), List.copyOf(plan.entering()));
    assertEquals(List.of(), List.copyOf(plan.rewritten()));
    assertEquals(days(S.plusDays(1), S.plusDays(3)), List.copyOf(plan.newer()));
    assertFalse(plan.isEmpty());
    assertEquals(plan.leaving(), plan.readBefore());
    assertEquals(plan.entering(), plan.readNow());
  }

  @Test
  void aRewrittenDayInsideBothWindowsLeavesAndEntersAndIsCheckedForRemovals() {
    LocalDate inside = S.minusDays(10);
    LocalDate beforeTheWindow = S.minusDays(100);
    LocalDate afterS = S.plusDays(1);
    CarryPlan plan = CarryPlan.of(S, S.plusDays(2), 30,
        List.of(inside, beforeTheWindow, afterS));
    assertTrue(plan.leaving().contains(inside));
    assertTrue(plan.entering().contains(inside));
    assertFalse(plan.leaving().contains(beforeTheWindow), "never in the sums");
    assertFalse(plan.entering().contains(beforeTheWindow));
    assertFalse(plan.leaving().contains(afterS), "the state never counted it");
    // Latest activity and opt-out are not bounded by the window: every rewritten day up to S.
    assertEquals(new TreeSet<>(List.of(beforeTheWindow, inside)), plan.rewritten());
    assertTrue(plan.newer().containsAll(List.of(beforeTheWindow, inside, afterS,
        S.plusDays(2))));
    assertTrue(plan.readBefore().containsAll(plan.rewritten()));
    assertTrue(plan.readNow().containsAll(plan.newer()));
  }

  @Test
  void theSameDateWithNothingRewrittenIsEmpty() {
    CarryPlan plan = CarryPlan.of(S, S, 30, Set.of());
    assertTrue(plan.isEmpty());
    assertEquals(0, plan.days());
  }

  @Test
  void theSameDateWithARewrittenDayReadsOnlyThatDay() {
    LocalDate day = S.minusDays(3);
    CarryPlan plan = CarryPlan.of(S, S, 30, Set.of(day));
    assertEquals(List.of(day), List.copyOf(plan.leaving()));
    assertEquals(List.of(day), List.copyOf(plan.entering()));
    assertEquals(List.of(day), List.copyOf(plan.rewritten()));
    assertEquals(List.of(day), List.copyOf(plan.newer()));
  }

  @Test
  void aRewrittenDayAfterDIsIgnored() {
    CarryPlan plan = CarryPlan.of(S, S.plusDays(1), 30, Set.of(S.plusDays(5)));
    assertFalse(plan.readBefore().contains(S.plusDays(5)));
    assertFalse(plan.readNow().contains(S.plusDays(5)));
  }

  @Test
  void aLookbackOfOneDayReplacesTheWholeWindow() {
    CarryPlan plan = CarryPlan.of(S, S.plusDays(1), 1, Set.of());
    assertEquals(List.of(S), List.copyOf(plan.leaving()));
    assertEquals(List.of(S.plusDays(1)), List.copyOf(plan.entering()));
  }

  @Test
  void carryingBackwardsIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> CarryPlan.of(S, S.minusDays(1), 30,
        Set.of()));
  }
}
