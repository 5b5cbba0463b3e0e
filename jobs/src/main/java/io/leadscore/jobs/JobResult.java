package io.leadscore.jobs;

import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** What a job did: its counts, time per stage and the tables it wrote. Logged and tested. */
public record JobResult(
    String job,
    LocalDate date,
    Map<String, Long> counts,
    Map<String, Double> secondsPerStage,
    double wallSeconds,
    List<String> outputs) {

  public long count(String name) {
    Long v = counts.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no count '" + name + "' in " + counts.keySet());
    }
    return v;
  }

  /** The closing summary: one block a user can read at a glance. */
  public String summary() {
    String counted = counts.entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "    %-28s %,d", e.getKey(), e.getValue()))
        .collect(Collectors.joining("\n"));
    String timed = secondsPerStage.entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "    %-28s %s", e.getKey(),
            StageTimer.format(e.getValue())))
        .collect(Collectors.joining("\n"));
    return job + " " + (date == null ? "" : date + " ") + "finished in "
        + StageTimer.format(wallSeconds) + "\n  rows:\n" + counted + "\n  time per stage:\n"
        + timed + "\n  output:\n    " + String.join("\n    ", outputs);
  }
}
