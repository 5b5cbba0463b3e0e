package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.forget.Suppression;
import io.leadscore.common.ingest.Snapshots.Kind;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest's side of {@code forget}: leads, outcomes and activities of people in {@code
 * forget_suppression} are dropped (and counted as {@code <table>_suppressed}), so a snapshot
 * or landing file that still holds someone erased does not bring them back.
 */
final class IngestSuppression {
  private static final Logger LOG = LoggerFactory.getLogger(IngestSuppression.class);

  private IngestSuppression() {}

  /** Snapshot rows without the suppressed people (accounts are not personal data). */
  static Dataset<Row> snapshot(JobRuntime rt, Kind kind, Dataset<Row> rows, String table,
      Map<String, Long> counts) {
    return switch (kind) {
      case LEADS -> apply(rt, rows, col(LEAD_ID), col(EMAIL), table, counts);
      case OUTCOMES -> apply(rt, rows, col(LEAD_ID), null, table, counts);
      case ACCOUNTS -> rows;
    };
  }

  /** New activities without those of suppressed people (by lead_id and by email). */
  static Dataset<Row> activities(JobRuntime rt, Dataset<Row> rows, Map<String, Long> counts) {
    return apply(rt, rows, col(LEAD_ID), col(EMAIL), T_ACTIVITIES, counts);
  }

  /**
   * Rejected rows whose raw text holds a suppressed lead id or email as a word (the way
   * forget finds them), dropped and counted as {@code <table>_suppressed}. The suppression
   * list is small: its hashes are compared with every word's hash.
   */
  static Dataset<Row> rejects(JobRuntime rt, Dataset<Row> rows, String table,
      Map<String, Long> counts) {
    if (!rt.store().exists(T_FORGET_SUPPRESSION)) {
      return rows;
    }
    String salt = salt(rt);
    List<Row> entries = rt.store().read(T_FORGET_SUPPRESSION)
        .select(Suppression.KIND, Suppression.HASH).collectAsList();
    Object[] ids = entries.stream().filter(r -> r.getString(0).equals(Suppression.KIND_LEAD_ID))
        .map(r -> r.getString(1)).toArray();
    Object[] emails = entries.stream().filter(r -> r.getString(0).equals(
        Suppression.KIND_EMAIL)).map(r -> r.getString(1)).toArray();
    Column words = split(col(RAW), "[^\\p{L}\\p{N}_.@+-]+");
    Column suppressedWord = exists(words, w -> {
      Column word = regexp_replace(w, "\\.+$", "");
      return (ids.length == 0 ? lit(false) : Suppression.hash(salt, word).isin(ids))
          .or(emails.length == 0 ? lit(false)
              : Suppression.hash(salt, lower(word)).isin(emails));
    });
    Dataset<Row> kept = rows.where(not(coalesce(suppressedWord, lit(false))));
    long suppressed = rows.count() - kept.count();
    counts.put(table + "_suppressed", suppressed);
    if (suppressed > 0) {
      LOG.info("{}: {} rejected rows of erased people dropped (forget_suppression)", table,
          suppressed);
    }
    return kept;
  }

  private static String salt(JobRuntime rt) {
    return rt.settings().forgetSalt().orElseThrow(() -> new IllegalStateException(
        rt.store().path(T_FORGET_SUPPRESSION) + " lists erased people but"
            + " leadscore.forget.salt (LEADSCORE_FORGET_SALT) is not set: ingest cannot keep"
            + " them out without it"));
  }

  private static Dataset<Row> apply(JobRuntime rt, Dataset<Row> rows, Column leadId,
      Column email, String table, Map<String, Long> counts) {
    if (!rt.store().exists(T_FORGET_SUPPRESSION)) {
      return rows;
    }
    String salt = salt(rt);
    Dataset<Row> kept = Suppression.without(salt, rt.store().read(T_FORGET_SUPPRESSION), rows,
        leadId, email);
    long suppressed = rows.count() - kept.count();
    counts.put(table + "_suppressed", suppressed);
    if (suppressed > 0) {
      LOG.info("{}: {} rows of erased people dropped (forget_suppression)", table, suppressed);
    }
    return kept;
  }
}
