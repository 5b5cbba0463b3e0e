package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Keeps a caller's filters out of the generating expressions.
 *
 * <p>Spark pushes a filter through every deterministic projection, replacing each column
 * by the expression that computes it. A generated column references its inputs many
 * times (an email feeds every branch of its re-casing), so a filter on it would inline
 * the whole derivation many times over: beyond the 64 KB method limit of generated code,
 * and in tests it ran the driver out of memory. A projection holding a non-deterministic
 * expression stops the push-down (and is not merged into its neighbours).
 * {@code spark_partition_id() >= 0} is always true, costs nothing, and is
 * non-deterministic in Spark's sense; it gates a struct of all columns, which the fenced
 * dataset then unpacks. The rows are the same, only the columns become nullable.
 */
final class Fence {
  private Fence() {}

  private static final String PACKED = "_generated";

  static Dataset<Row> around(Dataset<Row> df) {
    String[] names = df.columns();
    Column packed = when(spark_partition_id().geq(0),
        struct(Arrays.stream(names).map(n -> col(n)).toArray(Column[]::new)));
    return df.select(packed.as(PACKED))
        .select(Arrays.stream(names).map(n -> col(PACKED).getField(n).as(n))
            .toArray(Column[]::new));
  }
}
