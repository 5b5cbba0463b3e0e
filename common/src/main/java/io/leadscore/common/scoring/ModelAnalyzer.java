package io.leadscore.common.scoring;

import static org.apache.spark.sql.functions.expr;

import io.leadscore.common.Schemas;
import io.leadscore.common.config.ConfigException;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.Model.EngagementRule;
import io.leadscore.common.config.Model.FitRule;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Has Spark analyse every {@code when} of a model against empty frames of the right schema,
 * so a typo in a column or function name refuses the model at start, before data is read,
 * and has {@link WhenGuard} refuse what would fail or vary whatever the data.
 */
public final class ModelAnalyzer {
  private ModelAnalyzer() {}

  /**
   * @param leads the lead columns rules can see (the snapshot schema, extras included)
   * @param accounts the account columns rules can see
   */
  public static void analyse(SparkSession spark, Model model, StructType leads,
      StructType accounts) {
    Dataset<Row> activityFrame = spark.createDataFrame(List.of(), Schemas.ACTIVITIES);
    for (EngagementRule rule : model.engagement().rules()) {
      if (rule.when().isPresent()) {
        check(activityFrame, rule.when().get(), rule.whenLocation());
      }
    }
    StructType fitSchema = new StructType()
        .add("lead", Schemas.leadRuleSchema(leads))
        .add("account", accounts);
    Dataset<Row> fitFrame = spark.createDataFrame(List.of(), fitSchema);
    for (FitRule rule : model.fit().rules()) {
      if (rule.when().isPresent()) {
        check(fitFrame, rule.when().get(), rule.whenLocation());
      }
      // Field rules are built from checked names, but building them here proves it.
      check(fitFrame, RuleConditions.fit(rule, model), rule.whenLocation());
    }
  }

  private static void check(Dataset<Row> frame, String sql, String location) {
    DataType type;
    Expression analysed;
    try {
      Dataset<Row> selected = frame.select(expr(sql));
      type = selected.schema().fields()[0].dataType();
      analysed = selected.queryExecution().analyzed().expressions().head();
    } catch (Exception e) {
      throw new ConfigException(location + ": Spark cannot analyse '" + sql + "': "
          + firstLine(e.getMessage()), e);
    }
    if (!type.equals(DataTypes.BooleanType) && !type.equals(DataTypes.NullType)) {
      throw new ConfigException(location + ": '" + sql + "' must be a boolean condition, is "
          + type.simpleString());
    }
    WhenGuard.check(analysed, sql, location);
  }

  private static void check(Dataset<Row> frame, org.apache.spark.sql.Column condition,
      String location) {
    try {
      frame.select(condition).schema();
    } catch (Exception e) {
      throw new ConfigException(location + ": Spark cannot analyse the condition: "
          + firstLine(e.getMessage()), e);
    }
  }

  static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    String line = message.strip().lines().findFirst().orElse("");
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
