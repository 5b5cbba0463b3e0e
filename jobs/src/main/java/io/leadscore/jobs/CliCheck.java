package io.leadscore.jobs;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Parses command lines the way {@link Main} does without running anything, so a scheduler's
 * generated arguments (Airflow's rendered {@code application_args}) can be checked against
 * the real CLI before they are run. {@code --help} cannot serve: picocli stops validating
 * when it sees it, so a misspelt option or job passes.
 *
 * <pre>
 *   java -cp leadscore-jobs-all.jar:$SPARK_HOME/jars/* io.leadscore.jobs.CliCheck --jobs
 *   printf 'score\t--date\t2026-11-20\n' | java -cp ... io.leadscore.jobs.CliCheck
 * </pre>
 *
 * With {@code --jobs} it prints the job names, one a line. Otherwise each standard-input line
 * is one command line, arguments separated by tabs; each gets one output line, {@code ok JOB}
 * or {@code error MESSAGE}. Exit code 0 when every line parsed, 2 otherwise.
 */
public final class CliCheck {
  private CliCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("--jobs")) {
      new CommandLine(new Main()).getSubcommands().keySet().stream()
          .filter(name -> !name.equals("help"))
          .forEach(System.out::println);
      return;
    }
    if (args.length > 0) {
      System.err.println("usage: CliCheck --jobs | CliCheck < lines of tab-separated arguments");
      System.exit(JobLauncher.USAGE);
    }
    boolean allOk = true;
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isBlank()) {
        continue;
      }
      String result = check(Arrays.asList(line.split("\t", -1)));
      allOk &= result.startsWith("ok ");
      System.out.println(result);
    }
    System.exit(allOk ? JobLauncher.OK : JobLauncher.USAGE);
  }

  /** {@code ok JOB} when the arguments name exactly one job and it accepts them all. */
  static String check(List<String> args) {
    try {
      ParseResult parsed = new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
      if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
        return "error asks for help, runs nothing";
      }
      if (!parsed.hasSubcommand()) {
        return "error no job named";
      }
      ParseResult job = parsed.subcommand();
      if (job.isUsageHelpRequested() || job.isVersionHelpRequested()) {
        return "error asks for help, runs nothing";
      }
      return "ok " + job.commandSpec().name();
    } catch (CommandLine.ParameterException e) {
      return "error " + e.getMessage().lines().findFirst().orElse("");
    }
  }
}
