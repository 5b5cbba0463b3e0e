package io.leadscore.bench;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The in-process DuckDB the benchmark compares with: same JVM, same cores as Spark (its
 * thread count is set to Spark's), reading the Parquet snapshot directly. Also where scores
 * are compared, so no score is ever collected into the JVM.
 */
final class DuckDb implements AutoCloseable {
  private final Connection connection;

  /**
   * @param threads DuckDB's worker threads: Spark's core count, so neither gets more CPU
   * @param memoryLimit e.g. {@code 8GB}; null leaves DuckDB's default (80% of RAM)
   * @param spill where DuckDB may spill; null for its default
   */
  DuckDb(int threads, String memoryLimit, Path spill) {
    try {
      connection = DriverManager.getConnection("jdbc:duckdb:");
      execute("SET threads = " + threads);
      // Lead creation dates are UTC dates in leadscore (session time zone UTC).
      execute("SET TimeZone = 'UTC'");
      if (memoryLimit != null) {
        execute("SET memory_limit = " + EngagementSql.literal(memoryLimit));
      }
      if (spill != null) {
        execute("SET temp_directory = " + EngagementSql.literal(spill.toString()));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot start DuckDB: " + e.getMessage(), e);
    }
  }

  Connection connection() {
    return connection;
  }

  String version() {
    return string("SELECT version()");
  }

  void execute(String sql) {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB: " + e.getMessage() + "\n" + sql, e);
    }
  }

  long count(String parquetGlob) {
    return Long.parseLong(string("SELECT count(*) FROM read_parquet("
        + EngagementSql.literal(parquetGlob) + ")"));
  }

  /** Materialises {@code query} as table {@code name}, replacing it: the timed DuckDB work. */
  void createTable(String name, String query) {
    execute("CREATE OR REPLACE TABLE " + name + " AS " + query);
  }

  /**
   * Compares {@code table} (lead_id, engagement_score DECIMAL(38,2)) with a Parquet export of
   * leadscore's scores (lead_id, engagement_score DOUBLE, rounded to 2 decimals by
   * leadscore; the cast to DECIMAL reads that value exactly).
   */
  Agreement compare(String run, String table, String reference, String scoresGlob) {
    String joined = "FROM " + table + " d FULL OUTER JOIN (SELECT lead_id,"
        + " CAST(engagement_score AS DECIMAL(38, 2)) AS score FROM read_parquet("
        + EngagementSql.literal(scoresGlob) + ")) s ON s.lead_id = d.lead_id";
    String differs = "d.engagement_score IS DISTINCT FROM s.score";
    try (Statement st = connection.createStatement();
        ResultSet r = st.executeQuery("SELECT count(*) FILTER (WHERE d.lead_id IS NOT NULL"
            + " AND s.lead_id IS NOT NULL), count(*) FILTER (WHERE " + differs + "),"
            + " count(*) FILTER (WHERE s.lead_id IS NULL),"
            + " count(*) FILTER (WHERE d.lead_id IS NULL),"
            + " max(abs(d.engagement_score - s.score)) " + joined)) {
      r.next();
      long compared = r.getLong(1);
      long mismatches = r.getLong(2);
      long onlyDuck = r.getLong(3);
      long onlyRun = r.getLong(4);
      BigDecimal max = r.getBigDecimal(5);
      List<String> examples = new ArrayList<>();
      if (mismatches > 0) {
        try (ResultSet e = st.executeQuery("SELECT coalesce(d.lead_id, s.lead_id),"
            + " d.engagement_score, s.score " + joined + " WHERE " + differs
            + " ORDER BY 1 LIMIT 5")) {
          while (e.next()) {
            examples.add(String.format(Locale.ROOT, "lead %s: %s %s, %s %s", e.getString(1),
                reference, text(e.getBigDecimal(2)), run, text(e.getBigDecimal(3))));
          }
        }
      }
      return new Agreement(run, reference, compared, mismatches, onlyDuck, onlyRun, max,
          examples);
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB comparison failed: " + e.getMessage(), e);
    }
  }

  private static String text(BigDecimal v) {
    return v == null ? "(no row)" : v.toPlainString();
  }

  private String string(String sql) {
    try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB: " + e.getMessage() + "\n" + sql, e);
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
