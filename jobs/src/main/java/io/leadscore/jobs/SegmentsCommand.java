package io.leadscore.jobs;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code leadscore segments --date D}: see {@link SegmentsJob}. */
@Command(name = "segments", mixinStandardHelpOptions = true,
    description = {"Computes the segments of leadscore.segments-file as of --date (run score"
        + " and accounts for that date first) and writes the campaign files"
        + " <exports>/segment=<name>/date=<date>/members.csv, added.csv and removed.csv"
        + " (added and removed since the segment's previous run date), segment_members"
        + " (segment x date x lead), segment_runs (members and consent counts) and the"
        + " segment_membership spells.",
        "An email segment holds only leads emailable as of --date; the others are counted"
            + " by reason (no_email, no_opt_in, unsubscribed, bounced) in the log and run_log."
            + " A sales segment is not filtered by consent.",
        "The segments are checked against the lead_scores schema before any data is read."
            + " Rerunning a date rewrites the same files; running a date before the latest"
            + " rebuilds the spells and rewrites the next date's added and removed files."})
final class SegmentsCommand implements Callable<Integer> {
  @Mixin JobOptions options;
  @Mixin Main.ScoreDate scoreDate;

  @Override
  public Integer call() {
    return JobLauncher.launch("segments", options, scoreDate.date, true, (rt, model) ->
        List.of(SegmentsJob.run(rt, model, SegmentsJob.definitions(rt, model),
            scoreDate.date)));
  }
}
