package io.leadscore.common.forget;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Text;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The people {@code forget} erased, as salted SHA-256 hashes of their lead ids and
 * normalised emails ({@code forget_suppression}): ingest drops snapshot rows and activities
 * that belong to them, so a later snapshot that still lists a person does not bring them
 * back. The table holds no identifier in clear; without the salt it says nothing.
 */
public final class Suppression {
  private Suppression() {}

  public static final String KIND = "kind";
  public static final String HASH = "hash";
  public static final String FORGOTTEN_AT = "forgotten_at";
  public static final String KIND_LEAD_ID = "lead_id";
  public static final String KIND_EMAIL = "email";

  public static final StructType SCHEMA = new StructType()
      .add(KIND, DataTypes.StringType, false)
      .add(HASH, DataTypes.StringType, false)
      .add(FORGOTTEN_AT, DataTypes.TimestampType, false);

  /** Hex SHA-256 of salt, a NUL, and the normalised value. */
  public static String hash(String salt, String normalized) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest((salt + "\u0000" + normalized)
          .getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@link #hash(String, String)} as a column expression. */
  public static Column hash(String salt, Column normalized) {
    return sha2(concat(lit(salt + "\u0000"), normalized), 256);
  }

  /** A lead id as forget and ingest compare it: trimmed. */
  public static String normalizeLeadId(String id) {
    return id == null ? null : id.strip();
  }

  /** An email as forget and ingest compare it: trimmed and lower-cased (SPEC §8.3). */
  public static String normalizeEmail(String email) {
    return email == null ? null : email.strip().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The rows that do not belong to a suppressed person: neither their lead id nor their
   * email (null for none) hashes to an entry of {@code suppression}.
   */
  public static Dataset<Row> without(String salt, Dataset<Row> suppression, Dataset<Row> rows,
      Column leadId, Column email) {
    Dataset<Row> ids = broadcast(suppression.where(col(KIND).equalTo(KIND_LEAD_ID))
        .select(col(HASH).as("_sid")).distinct());
    Dataset<Row> emails = broadcast(suppression.where(col(KIND).equalTo(KIND_EMAIL))
        .select(col(HASH).as("_semail")).distinct());
    Dataset<Row> keyed = rows
        .withColumn("_hid", hash(salt, Text.clean(leadId)))
        .withColumn("_hemail", email == null ? lit(null).cast("string")
            : hash(salt, Text.normalized(email)));
    return keyed
        .join(ids, col("_hid").equalTo(col("_sid")), "left_anti")
        .join(emails, col("_hemail").equalTo(col("_semail")), "left_anti")
        .drop("_hid", "_hemail");
  }
}
