package io.leadscore.bench;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;

/**
 * How one leadscore run's engagement scores compare with DuckDB's, lead by lead, on the
 * 2-decimal values (exact equality). A lead on one side only is a mismatch too.
 *
 * @param maxAbsDifference over leads present on both sides; null when there are none
 * @param examples up to five mismatches, as text
 */
record Agreement(String run, String reference, long compared, long mismatches, long onlyReference,
    long onlyRun, BigDecimal maxAbsDifference, List<String> examples) {

  boolean agrees() {
    return mismatches == 0;
  }

  String describe() {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        "%s vs %s: %,d leads compared, %,d mismatches, max |difference| %s",
        run, reference, compared, mismatches,
        maxAbsDifference == null ? "-" : maxAbsDifference.toPlainString()));
    if (onlyReference > 0 || onlyRun > 0) {
      sb.append(String.format(Locale.ROOT, " (%,d leads only in %s, %,d only in %s)",
          onlyReference, reference, onlyRun, run));
    }
    for (String e : examples) {
      sb.append("\n    ").append(e);
    }
    return sb.toString();
  }
}
