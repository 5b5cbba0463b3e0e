package io.leadscore.common.backtest;

import static io.leadscore.common.Schemas.*;
import static org.apache.spark.sql.functions.*;

import io.leadscore.common.Text;
import io.leadscore.common.config.AnalysisSettings;
import io.leadscore.common.config.ConfigException;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.Model.EngagementRule;
import io.leadscore.common.config.Model.FitRule;
import io.leadscore.common.scoring.RuleConditions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What calibrate learns: a regularised logistic regression (Spark MLlib) of conversion on
 * the model's own inputs as of a cutoff, plus indicators of candidate field values.
 *
 * <ul>
 *   <li>one feature per engagement rule: the rule's decayed, limited and capped activity
 *       count {@code c(l, r) / p_r} (its contribution in units of its points), so the
 *       coefficient is the rule's log-odds per activity, what its points should be up to a
 *       common scale;
 *   <li>inactivity: 1 when the inactivity term applied;
 *   <li>one indicator per fit rule: 1 when the rule matches (evaluated like scoring does);
 *   <li>one indicator per value of each {@code calibrate.candidate-fields} field held by at
 *       least {@code min-support} judged leads at the training cutoff (at most
 *       {@link #MAX_VALUES_PER_FIELD} values, the most frequent).
 * </ul>
 *
 * An engagement rule with 0 points has no contribution to measure and no feature.
 */
public final class Calibration {
  private Calibration() {}

  public static final String LABEL = "label";
  public static final String FEATURES = "features";
  public static final String PROBABILITY = "conversion_probability";
  public static final int MAX_VALUES_PER_FIELD = 50;

  public enum Kind { ENGAGEMENT, INACTIVITY, FIT, CANDIDATE }

  /** A feature: an existing rule (by name), or a candidate field = value. */
  public record Feature(Kind kind, String rule, String field, String value) {
    public String label() {
      return kind == Kind.CANDIDATE ? field + " = " + value : rule;
    }
  }

  /** The regression's result, in the order of {@code features}. */
  public record Fitted(List<Feature> features, double[] coefficients, double intercept,
      LogisticRegressionModel model) {}

  /**
   * The features: the model's rules, then the candidate values with enough support among
   * {@code profiles} ({@link io.leadscore.common.scoring.LeadScoring#profiles} of the judged
   * leads at the training cutoff).
   */
  public static List<Feature> features(Model model, List<String> candidateFields,
      int minSupport, Dataset<Row> profiles) {
    List<Feature> out = new ArrayList<>();
    for (EngagementRule r : model.engagement().rules()) {
      if (r.points() != 0) {
        out.add(new Feature(Kind.ENGAGEMENT, r.name(), null, null));
      }
    }
    if (model.engagement().inactivity().map(i -> i.points() != 0).orElse(false)) {
      out.add(new Feature(Kind.INACTIVITY, Model.INACTIVITY, null, null));
    }
    for (FitRule r : model.fit().rules()) {
      out.add(new Feature(Kind.FIT, r.name(), null, null));
    }
    for (String field : candidateFields) {
      checkField(profiles.schema(), field);
      Column value = candidateValue(field);
      for (Row r : profiles.select(value.as("v")).where(col("v").isNotNull())
          .groupBy("v").count().where(col("count").geq(minSupport))
          .orderBy(col("count").desc(), col("v")).limit(MAX_VALUES_PER_FIELD)
          .collectAsList()) {
        out.add(new Feature(Kind.CANDIDATE, null, field, r.getString(0)));
      }
    }
    return List.copyOf(out);
  }

  /**
   * One row per judged lead: lead_id, {@code label} (1.0 converted) and the {@code
   * features} vector.
   *
   * @param judgedScores backtest scores (with contributions) and {@code converted}
   * @param profiles {@code LeadScoring.profiles} of the same snapshot
   */
  public static Dataset<Row> matrix(Model model, List<Feature> features,
      Dataset<Row> judgedScores, Dataset<Row> profiles) {
    List<Column> cols = new ArrayList<>();
    List<String> names = new ArrayList<>();
    cols.add(col(LEAD_ID));
    cols.add(col(Population.CONVERTED).cast("double").as(LABEL));
    for (int i = 0; i < features.size(); i++) {
      Feature f = features.get(i);
      String name = "_f" + i;
      names.add(name);
      cols.add(featureColumn(model, f).cast("double").as(name));
    }
    Dataset<Row> joined = judgedScores.select(col(LEAD_ID), col(CONTRIBUTIONS),
            col(Population.CONVERTED))
        .join(profiles.select(col(LEAD_ID), col("lead"), col("account")), LEAD_ID);
    Dataset<Row> wide = joined.select(cols.toArray(new Column[0]));
    return new VectorAssembler().setInputCols(names.toArray(new String[0]))
        .setOutputCol(FEATURES).transform(wide).select(LEAD_ID, LABEL, FEATURES);
  }

  public static Fitted fit(AnalysisSettings settings, List<Feature> features,
      Dataset<Row> matrix) {
    LogisticRegressionModel lr = new LogisticRegression()
        .setLabelCol(LABEL).setFeaturesCol(FEATURES)
        .setRegParam(settings.regParam())
        .setElasticNetParam(settings.elasticNet())
        .setMaxIter(settings.maxIterations())
        .setStandardization(true)
        .fit(matrix);
    return new Fitted(features, lr.coefficients().toArray(), lr.intercept(), lr);
  }

  /**
   * lead_id, label and the fitted conversion probability, rounded to 6 decimals: {@link
   * RankMetrics#auc} groups by distinct score, and this bounds how many there are.
   */
  public static Dataset<Row> predict(Fitted fitted, Dataset<Row> matrix) {
    return fitted.model().transform(matrix)
        .select(col(LEAD_ID), col(LABEL),
            round(org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64")
                .getItem(1), 6).as(PROBABILITY));
  }

  private static Column featureColumn(Model model, Feature f) {
    return switch (f.kind()) {
      case ENGAGEMENT -> {
        double points = model.engagement().rules().stream()
            .filter(r -> r.name().equals(f.rule())).findFirst().orElseThrow().points();
        yield coalesce(element_at(col(CONTRIBUTIONS), lit(f.rule())).divide(points), lit(0.0));
      }
      case INACTIVITY -> when(element_at(col(CONTRIBUTIONS), lit(Model.INACTIVITY)).isNotNull(),
          1).otherwise(0);
      case FIT -> when(RuleConditions.fit(model.fit().rules().stream()
          .filter(r -> r.name().equals(f.rule())).findFirst().orElseThrow(), model), 1)
          .otherwise(0);
      case CANDIDATE -> when(coalesce(candidateValue(f.field()).equalTo(f.value()), lit(false)),
          1).otherwise(0);
    };
  }

  /** A candidate field's value as fit rules compare text: trimmed, lower-cased. */
  static Column candidateValue(String field) {
    return Text.normalized(col(field).cast("string"));
  }

  private static void checkField(StructType schema, String field) {
    int dot = field.indexOf('.');
    String scope = field.substring(0, Math.max(dot, 0));
    String column = field.substring(dot + 1);
    Optional<StructField> struct = List.of(schema.fields()).stream()
        .filter(f -> f.name().equals(scope)).findFirst();
    boolean known = struct.isPresent() && struct.get().dataType() instanceof StructType t
        && List.of(t.fieldNames()).contains(column);
    if (!known) {
      throw new ConfigException("leadscore.calibrate.candidate-fields: unknown field '" + field
          + "' (" + scope + " columns: " + struct.map(s -> String.join(", ",
              ((StructType) s.dataType()).fieldNames())).orElse("none") + ")");
    }
  }
}
