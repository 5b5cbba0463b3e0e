package io.leadscore.jobs;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sql}: a read-only Spark SQL session on the warehouse, every Delta table under it
 * registered by name, so a user can look at the results without a SQL shell of their own.
 */
@CommandLine.Command(name = "sql", mixinStandardHelpOptions = true,
    description = {"Runs Spark SQL on the warehouse: every Delta table under it is a view of"
        + " its own name (lead_scores, account_scores, score_changes, run_log, ...).",
        "With no QUERY, reads statements from stdin, each ended by ';' at the end of a line"
            + " (an interactive session on a terminal). Read-only: statements that change"
            + " tables are refused (SHOW, DESCRIBE, EXPLAIN and SET are allowed).",
        "",
        "  bin/leadscore sql \"SELECT priority, count(*) FROM lead_scores GROUP BY 1 ORDER BY 1\"",
        "  bin/leadscore sql --format csv --out hot.csv \"SELECT * FROM lead_scores WHERE"
            + " band = 'hot'\""})
final class SqlCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(SqlCommand.class);
  /** Table folders that can be view names without quoting. */
  private static final Pattern VIEW_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  /** Commands that only read: the rest (INSERT, DELETE, MERGE, OPTIMIZE, ...) are refused. */
  private static final List<String> READING_COMMANDS =
      List.of("Show", "Describe", "Explain", "Set");

  @Mixin JobOptions options;

  @Parameters(arity = "0..1", paramLabel = "QUERY",
      description = "The statement to run; without it, statements are read from stdin.")
  String query;

  @Option(names = "--format", defaultValue = "table", paramLabel = "table|csv|json",
      description = "Output: an aligned text table (default), CSV with a header, or JSON"
          + " lines (one object per row).")
  QueryOutput.Format format;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Write the result to FILE instead of stdout.")
  File out;

  @Option(names = "--max-rows", defaultValue = "1000", paramLabel = "N",
      description = "Rows shown by --format table (default ${DEFAULT-VALUE}); csv and json"
          + " write every row.")
  int maxRows;

  @Override
  public Integer call() {
    return JobLauncher.launch("sql", options, null, false, false, (rt, model) -> {
      List<String> views = registerTables(rt.spark(), rt.settings().warehouse());
      LOG.info("warehouse {}: {} tables as views: {}", rt.settings().warehouse(), views.size(),
          String.join(", ", views));
      try (PrintWriter writer = writer()) {
        if (query != null) {
          run(rt.spark(), query, format, maxRows, writer);
        } else {
          interactive(rt.spark(), System.in, writer, System.err);
        }
      }
      return List.of();
    });
  }

  private PrintWriter writer() {
    try {
      return out == null
          ? new PrintWriter(new OutputStreamWriter(new NonClosing(System.out),
              StandardCharsets.UTF_8))
          : new PrintWriter(Files.newBufferedWriter(out.toPath(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
    }
  }

  /** Registers every Delta table directly under the warehouse as a temp view; returns names. */
  static List<String> registerTables(SparkSession spark, String warehouse) {
    Path root = new Path(warehouse);
    List<String> names = new ArrayList<>();
    try {
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.isDirectory(root)) {
        throw new IllegalStateException("warehouse " + warehouse + " does not exist: run a job"
            + " first, or point --warehouse (or --conf) at it");
      }
      FileStatus[] children = fs.listStatus(root);
      Arrays.sort(children);
      for (FileStatus child : children) {
        String name = child.getPath().getName();
        if (child.isDirectory() && VIEW_NAME.matcher(name).matches()
            && fs.isDirectory(new Path(child.getPath(), "_delta_log"))) {
          spark.read().format("delta").load(child.getPath().toString())
              .createOrReplaceTempView(name);
          names.add(name);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list warehouse " + warehouse + ": " + e.getMessage(),
          e);
    }
    return names;
  }

  /** Runs one statement and writes its result; refuses statements that change tables. */
  static long run(SparkSession spark, String sql, QueryOutput.Format format, int maxRows,
      PrintWriter writer) {
    String statement = sql.strip();
    while (statement.endsWith(";")) {
      statement = statement.substring(0, statement.length() - 1).strip();
    }
    LogicalPlan parsed;
    try {
      parsed = spark.sessionState().sqlParser().parsePlan(statement);
    } catch (ParseException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    String kind = parsed.getClass().getSimpleName();
    if ((parsed instanceof Command || parsed instanceof ParsedStatement)
        && READING_COMMANDS.stream().noneMatch(kind::startsWith)) {
      throw new IllegalArgumentException("sql is read-only: " + kind + " statements are"
          + " refused (the jobs write the tables)");
    }
    Dataset<Row> result = spark.sql(statement);
    return QueryOutput.write(result, format, maxRows, writer);
  }

  /**
   * Statements from {@code in}, each ended by ';' at the end of a line; a failing statement
   * is reported on one line and the next one runs. Fails at the end if any statement failed.
   */
  void interactive(SparkSession spark, InputStream in, PrintWriter writer, PrintStream err) {
    boolean terminal = System.console() != null && query == null;
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    StringBuilder pending = new StringBuilder();
    int failed = 0;
    int total = 0;
    try {
      while (true) {
        if (terminal) {
          err.print(pending.length() == 0 ? "leadscore> " : "       -> ");
          err.flush();
        }
        String line = reader.readLine();
        if (line != null && pending.length() == 0
            && List.of("quit", "exit", "quit;", "exit;").contains(line.strip()
                .toLowerCase(Locale.ROOT))) {
          break;
        }
        if (line != null) {
          pending.append(line).append('\n');
        }
        boolean complete = line == null || line.stripTrailing().endsWith(";");
        if (complete && !pending.toString().isBlank()) {
          total++;
          try {
            run(spark, pending.toString(), format, maxRows, writer);
          } catch (Exception e) {
            // Scala code throws checked exceptions (AnalysisException) that Java cannot declare.
            failed++;
            LOG.debug("statement failed", e);
            err.println("error: " + JobLauncher.oneLine(e));
          }
          pending.setLength(0);
        }
        if (line == null) {
          break;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (failed > 0) {
      throw new IllegalStateException(failed + " of " + total + " statements failed");
    }
  }

  /** stdout stays open after the writer around it is closed. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(java.io.OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
