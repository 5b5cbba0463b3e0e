package io.leadscore.common.config;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The settings of {@code backtest} and {@code calibrate} ({@code leadscore.backtest},
 * {@code leadscore.calibrate}), typed and validated when built.
 *
 * @param conversionOutcomes the outcomes that count as a conversion (lower-case)
 * @param horizonDays days after a cutoff in which a conversion counts, unless the command
 *     line says otherwise
 * @param candidateFields {@code lead.X} / {@code account.X} fields whose values calibrate
 *     offers as new fit rules
 * @param minSupport leads a value needs at the training cutoff to become a feature
 * @param regParam the logistic regression's regularisation strength (lambda)
 * @param elasticNet 0 = ridge (L2), 1 = lasso (L1), in between a mix
 * @param maxIterations the optimiser's iteration limit
 */
public record AnalysisSettings(
    List<String> conversionOutcomes,
    int horizonDays,
    List<String> candidateFields,
    int minSupport,
    double regParam,
    double elasticNet,
    int maxIterations) {

  public static AnalysisSettings fromConfig(Config config, String source) {
    ConfigNode root = new ConfigNode(source, "leadscore", null, config.getObject("leadscore"));
    ConfigNode backtest = root.child("backtest");
    backtest.allowOnly(Set.of("conversion-outcomes", "horizon-days"));
    List<String> outcomes = new ArrayList<>();
    for (String o : backtest.strings("conversion-outcomes")) {
      outcomes.add(o.trim().toLowerCase(Locale.ROOT));
    }
    if (outcomes.isEmpty()) {
      throw backtest.fail("conversion-outcomes", "needs at least one outcome");
    }
    ConfigNode calibrate = root.child("calibrate");
    calibrate.allowOnly(Set.of("candidate-fields", "min-support", "reg-param",
        "elastic-net-param", "max-iterations"));
    List<String> fields = calibrate.strings("candidate-fields");
    for (String f : fields) {
      if (!f.startsWith("lead.") && !f.startsWith("account.")) {
        throw calibrate.fail("candidate-fields", "unknown field '" + f
            + "': must be lead.<column> or account.<column>");
      }
    }
    double reg = calibrate.number("reg-param");
    if (reg < 0) {
      throw calibrate.fail("reg-param", "must be >= 0, was " + ConfigNode.format(reg));
    }
    double mix = calibrate.number("elastic-net-param");
    if (mix < 0 || mix > 1) {
      throw calibrate.fail("elastic-net-param", "must be in [0, 1], was "
          + ConfigNode.format(mix));
    }
    return new AnalysisSettings(List.copyOf(outcomes), backtest.positiveInt("horizon-days"),
        List.copyOf(fields), calibrate.positiveInt("min-support"), reg, mix,
        calibrate.positiveInt("max-iterations"));
  }
}
