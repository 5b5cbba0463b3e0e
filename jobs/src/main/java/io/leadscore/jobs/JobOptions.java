package io.leadscore.jobs;

import java.io.File;
import picocli.CommandLine.Option;

/** Options every job takes (SPEC §7). */
public class JobOptions {
  @Option(names = "--conf", paramLabel = "FILE",
      description = "Configuration overlay on top of the built-in defaults (HOCON).")
  File conf;

  @Option(names = "--model", paramLabel = "FILE",
      description = "Scoring model (HOCON); overrides leadscore.model-file.")
  File model;

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master, e.g. local[*] or yarn; spark-submit's --master also works.")
  String master;

  @Option(names = "--warehouse", paramLabel = "PATH",
      description = "Where the Delta tables live; overrides leadscore.warehouse.")
  String warehouse;

  @Option(names = {"-v", "--verbose"}, description = "Log stack traces and Spark's own messages.")
  boolean verbose;
}
