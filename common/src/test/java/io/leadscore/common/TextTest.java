package io.leadscore.common;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leadscore.common.testing.SparkTestBase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** SPEC §8.3/§8.4: surrounding whitespace of any kind goes, inner whitespace stays, blank is null. */
class TextTest extends SparkTestBase {
  private List<String> cleaned(String... values) {
    List<Row> rows = new ArrayList<>();
    for (String v : values) {
      rows.add(RowFactory.create(v));
    }
    List<String> out = new ArrayList<>();
    for (Row r : session().createDataFrame(rows, new StructType().add("v", DataTypes.StringType))
        .select(Text.clean(col("v"))).collectAsList()) {
      out.add(r.getString(0));
    }
    return out;
  }

  @Test
  void surroundingWhitespaceOfEveryKindIsTrimmed() {
    assertEquals(List.of("a b", "a\tb", "Zoë", "x", "y", "z", "é"), cleaned(
        "  a b  ", "\ta\tb\n", "\u00A0Zoë\u00A0", "\r\nx", "y\u000B", "\fz", " é"));
  }

  @Test
  void valuesWithoutSurroundingWhitespaceAreKept() {
    assertEquals(List.of("a", "ab", "Zoë Ünal", "a\u00A0b"), cleaned("a", "ab", "Zoë Ünal",
        "a\u00A0b"));
  }

  @Test
  void blankEmptyAndNullAreNull() {
    assertEquals(Arrays.asList(null, null, null, null), cleaned(" ", "", " \t\u00A0\n", null));
  }
}
