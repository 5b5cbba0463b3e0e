package io.leadscore.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leadscore.common.testing.SparkTestBase;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code leadscore sql} on a small prepared warehouse, through {@link Main#execute} as a user
 * runs it, including the README's documented queries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlCommandTest extends SparkTestBase {
  private Path dir;
  private Path warehouse;
  private Path conf;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private PrintStream originalErr;
  private InputStream originalIn;

  @BeforeAll
  void prepareWarehouse() throws IOException {
    startSpark();
    dir = Files.createTempDirectory("sql-command");
    warehouse = dir.resolve("warehouse");
    conf = dir.resolve("test.conf");
    // The shared test session keeps its few shuffle partitions.
    Files.writeString(conf, "leadscore.spark.conf { \"spark.sql.shuffle.partitions\" = \"2\" }\n");
    Dataset<Row> leads = session().sql("""
        SELECT * FROM VALUES
          ('L1', 'l1@acme.com', 'A', 80.0D, 'hot', 62.5D, 'A1', 'mql',
           array(named_struct('rule', 'demo-request', 'points', 40.0D),
                 named_struct('rule', 'pricing-page', 'points', 22.5D))),
          ('L2', 'l2@beta.io', 'B', 55.0D, 'warm', 31.25D, 'B2', 'nurture',
           array(named_struct('rule', 'email-click', 'points', 31.25D))),
          ('L3', NULL, 'D', 0.0D, 'cold', 0.0D, 'D3', 'nurture',
           CAST(array() AS array<struct<rule: string, points: double>>)),
          ('L4', 'l4, "the" boss@x.org', 'C', 30.0D, 'hot', 75.0D, 'C1', 'nurture',
           array(named_struct('rule', 'demo-request', 'points', 40.0D)))
        AS t(lead_id, email, grade, fit_score, band, engagement_score, priority, stage,
             top_reasons)""");
    leads.write().format("delta").save(warehouse.resolve("lead_scores").toString());
    session().sql("SELECT 'A-1' AS account_id, 'C' AS grade").write().format("delta")
        .save(warehouse.resolve("account_scores").toString());
    // Not Delta tables: skipped.
    Files.createDirectories(warehouse.resolve("notes"));
    Files.createDirectories(warehouse.resolve("_tmp"));
  }

  @BeforeEach
  void capture() {
    out.reset();
    err.reset();
    originalOut = System.out;
    originalErr = System.err;
    originalIn = System.in;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(originalOut);
    System.setErr(originalErr);
    System.setIn(originalIn);
  }

  private int sql(String... args) {
    List<String> all = new ArrayList<>(List.of("sql", "--warehouse", warehouse.toString(),
        "--conf", conf.toString()));
    all.addAll(List.of(args));
    return Main.execute(all.toArray(new String[0]));
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** The arguments of every `bin/leadscore sql ...` line of the README, unquoted. */
  static List<List<String>> readmeSqlCommands() throws IOException {
    List<List<String>> commands = new ArrayList<>();
    for (String line : Files.readAllLines(TestRuntimes.repo().resolve("README.md"))) {
      if (line.startsWith("bin/leadscore sql ")) {
        commands.add(words(line.substring("bin/leadscore sql ".length())));
      }
    }
    return commands;
  }

  /** Splits a shell line into words: double quotes group, as in the README's examples. */
  private static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (char c : line.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
        any = true;
      } else if (c == ' ' && !quoted) {
        if (any) {
          words.add(word.toString());
        }
        word.setLength(0);
        any = false;
      } else {
        word.append(c);
        any = true;
      }
    }
    if (any) {
      words.add(word.toString());
    }
    return words;
  }

  @Test
  void theReadmeQueriesRunThroughTheSqlCommand() throws IOException {
    List<List<String>> commands = readmeSqlCommands();
    assertEquals(3, commands.size(), "README examples: " + commands);

    // The top 20 by engagement: a readable table, nested reasons in full, not cut at 20 chars.
    assertEquals(0, sql(commands.get(0).toArray(new String[0])), stderr());
    List<String> lines = stdout().lines().toList();
    Assertions.assertTrue(lines.get(0).startsWith("lead_id | grade | fit_score | band"),
        stdout());
    Assertions.assertTrue(lines.get(1).startsWith("--------+-------+-----------+-"), stdout());
    Assertions.assertTrue(lines.get(2).startsWith("L4      | C     |      30.0 | hot "), stdout());
    Assertions.assertTrue(lines.get(3).startsWith("L1      | A     |      80.0 | hot "), stdout());
    Assertions.assertTrue(lines.get(3).endsWith("[{\"rule\":\"demo-request\",\"points\":40.0},"
        + "{\"rule\":\"pricing-page\",\"points\":22.5}]"), lines.get(3));
    Assertions.assertTrue(lines.get(4).startsWith("L2 "), stdout());
    Assertions.assertTrue(lines.get(5).startsWith("L3 "), stdout());
    assertEquals("(4 rows)", lines.get(6));
    assertEquals(7, lines.size(), stdout());
    out.reset();

    assertEquals(0, sql(commands.get(1).toArray(new String[0])), stderr());
    assertEquals(List.of("priority | leads", "---------+------", "A1       |     1",
        "B2       |     1", "C1       |     1", "D3       |     1", "(4 rows)"),
        stdout().lines().toList());
    out.reset();

    // The CSV export, written where --out says (here under the test's folder).
    List<String> csvArgs = new ArrayList<>(commands.get(2));
    int at = csvArgs.indexOf("--out");
    Path file = dir.resolve(csvArgs.get(at + 1));
    csvArgs.set(at + 1, file.toString());
    assertEquals(0, sql(csvArgs.toArray(new String[0])), stderr());
    assertEquals("", stdout());
    assertEquals(List.of("lead_id,email,priority,top_reasons",
        "L1,l1@acme.com,A1,\"[{\"\"rule\"\":\"\"demo-request\"\",\"\"points\"\":40.0},"
            + "{\"\"rule\"\":\"\"pricing-page\"\",\"\"points\"\":22.5}]\"",
        "L4,\"l4, \"\"the\"\" boss@x.org\",C1,\"[{\"\"rule\"\":\"\"demo-request\"\","
            + "\"\"points\"\":40.0}]\""),
        Files.readAllLines(file));
  }

  @Test
  void everyDeltaTableUnderTheWarehouseIsAViewOfItsName() {
    assertEquals(0, sql("--format", "json", "SELECT * FROM account_scores"), stderr());
    assertEquals("{\"account_id\":\"A-1\",\"grade\":\"C\"}", stdout().strip());
    out.reset();
    assertEquals(0, sql("SHOW VIEWS"), stderr());
    Assertions.assertTrue(stdout().contains("account_scores"), stdout());
    Assertions.assertTrue(stdout().contains("lead_scores"), stdout());
    Assertions.assertFalse(stdout().contains("notes"), stdout());
  }

  @Test
  void jsonLinesKeepNullsAndNestedValues() {
    assertEquals(0, sql("--format", "json", "SELECT lead_id, email, top_reasons FROM lead_scores"
        + " WHERE lead_id = 'L3'"), stderr());
    assertEquals("{\"lead_id\":\"L3\",\"email\":null,\"top_reasons\":[]}", stdout().strip());
  }

  @Test
  void statementsThatChangeTablesAreRefusedInOneLine() {
    for (String statement : List.of("DELETE FROM lead_scores", "INSERT INTO lead_scores"
        + " SELECT * FROM lead_scores", "DROP VIEW lead_scores",
        "OPTIMIZE delta.`" + warehouse.resolve("lead_scores") + "`")) {
      err.reset();
      assertEquals(1, sql(statement), statement);
      String message = stderr().strip();
      assertEquals(1, message.lines().count(), message);
      Assertions.assertTrue(message.startsWith("leadscore sql: failed: sql is read-only:"),
          message);
    }
    assertEquals(4, session().read().format("delta")
        .load(warehouse.resolve("lead_scores").toString()).count());
  }

  @Test
  void aBadQueryFailsWithOneLine() {
    assertEquals(1, sql("SELECT nope FROM lead_scores"));
    String message = stderr().strip();
    assertEquals(1, message.lines().count(), message);
    Assertions.assertTrue(message.contains("nope"), message);
  }

  @Test
  void withoutAQueryStatementsAreReadFromStdinAndAFailureDoesNotStopTheRest() {
    System.setIn(new ByteArrayInputStream("""
        SELECT count(*) AS n
          FROM lead_scores;
        SELECT nope FROM lead_scores;
        SELECT max(engagement_score) AS top FROM lead_scores
        """.getBytes(StandardCharsets.UTF_8)));
    assertEquals(1, sql("--format", "csv"));
    assertEquals(List.of("n", "4", "top", "75.0"), stdout().lines().toList());
    Assertions.assertTrue(stderr().contains("error: "), stderr());
    Assertions.assertTrue(stderr().contains("1 of 3 statements failed"), stderr());
  }
}
