package io.leadscore.jobs;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code leadscore forget --lead-id X | --email X | --from-file F}: see {@link ForgetJob}. */
@Command(name = "forget", mixinStandardHelpOptions = true,
    description = {"Erases people everywhere leadscore keeps them (an erasure request): their"
        + " rows in activities (by lead id and by email), activity_daily, engagement_state,"
        + " leads, outcomes, lead_scores and lead_score_history, score_changes,"
        + " segment_members and segment_membership; rejected rows whose raw text contains"
        + " their lead id or email; their records in the export files; their lead id as an"
        + " account's best lead. Account scores they counted in are right again after the"
        + " next accounts run.",
        "Each identifier asked for gets a forget_log row holding a salted hash (salt from"
            + " leadscore.forget.salt or LEADSCORE_FORGET_SALT), never the identifier. Their"
            + " hashed ids and emails go to forget_suppression, which ingest checks, so a later"
            + " snapshot that still lists them does not bring them back.",
        "Delta keeps the erased rows in older table versions until VACUUM: give --vacuum."
            + " Nobody found is not an error (exit 0)."})
final class ForgetCommand implements Callable<Integer> {
  @Mixin JobOptions options;

  @Option(names = "--lead-id", paramLabel = "ID",
      description = "A lead id to erase (repeatable).")
  List<String> leadIds = new ArrayList<>();

  @Option(names = "--email", paramLabel = "EMAIL",
      description = "An email to erase, any case (repeatable): the leads with it and every"
          + " activity carrying it.")
  List<String> emails = new ArrayList<>();

  @Option(names = "--from-file", paramLabel = "FILE",
      description = "A file of erasure requests, one per line: a line with '@' is an email,"
          + " any other a lead id; blank lines and lines starting with # are skipped. UTF-8.")
  File fromFile;

  @Option(names = "--vacuum",
      description = "Then VACUUM the tables it changed, so older versions stop holding the"
          + " data (time travel to before the erasure stops working).")
  boolean vacuum;

  @Option(names = "--retention-hours", paramLabel = "HOURS", defaultValue = "168",
      description = "VACUUM's retention (default ${DEFAULT-VALUE}, Delta's safety minimum)."
          + " Files removed less than this long ago stay: 0 purges at once.")
  double retentionHours;

  @Option(names = "--ignore-retention-check",
      description = "Allow --retention-hours below 168. Readers, jobs or streams still"
          + " reading older versions fail: run it when nothing else runs.")
  boolean ignoreRetentionCheck;

  @Override
  public Integer call() {
    List<String> ids = new ArrayList<>(leadIds);
    List<String> mails = new ArrayList<>(emails);
    if (fromFile != null) {
      try {
        for (String line : Files.readAllLines(fromFile.toPath(), StandardCharsets.UTF_8)) {
          String v = line.strip();
          if (v.isEmpty() || v.startsWith("#")) {
            continue;
          }
          (v.contains("@") ? mails : ids).add(v);
        }
      } catch (IOException e) {
        System.err.println("leadscore forget: cannot read --from-file " + fromFile + ": "
            + e.getMessage());
        return JobLauncher.USAGE;
      }
    }
    if (ids.isEmpty() && mails.isEmpty()) {
      System.err.println("leadscore forget: give --lead-id, --email or --from-file (try --help)");
      return JobLauncher.USAGE;
    }
    if (retentionHours < 0) {
      System.err.println("leadscore forget: --retention-hours must be >= 0");
      return JobLauncher.USAGE;
    }
    Optional<ForgetJob.Vacuum> v = vacuum
        ? Optional.of(new ForgetJob.Vacuum(retentionHours, ignoreRetentionCheck))
        : Optional.empty();
    try {
      ForgetJob.checkVacuum(v);
    } catch (RuntimeException e) {
      System.err.println("leadscore forget: " + e.getMessage());
      return JobLauncher.USAGE;
    }
    return JobLauncher.launch("forget", options, null, false, (rt, model) ->
        List.of(ForgetJob.run(rt, new ForgetJob.Request(ids, mails), v)));
  }
}
