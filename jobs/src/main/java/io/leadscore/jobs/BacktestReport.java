package io.leadscore.jobs;

import io.leadscore.common.backtest.BacktestMetrics.Bucket;
import io.leadscore.common.backtest.BacktestMetrics.Evaluation;
import io.leadscore.common.backtest.BacktestMetrics.RuleStat;
import io.leadscore.common.backtest.BacktestMetrics.Summary;
import io.leadscore.jobs.BacktestJob.CutoffResult;
import io.leadscore.jobs.BacktestJob.Impact;
import io.leadscore.jobs.BacktestJob.Report;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/** The backtest's readable report on stdout: one block per cutoff, then the trend. */
final class BacktestReport {
  private BacktestReport() {}

  static void print(Report report, PrintStream out) {
    var req = report.request();
    boolean compare = req.compare().isPresent();
    String a = req.model().version();
    String b = req.compare().map(m -> m.version()).orElse("");
    out.println();
    out.printf(Locale.ROOT, "backtest %s: model %s (%s)%s%n", req.runId(), a,
        req.model().source(), compare ? " compared with " + b + " ("
            + req.compare().get().source() + ")" : "");
    out.printf(Locale.ROOT, "a lead converts when it reaches %s within %d days after the"
        + " cutoff%n", String.join(", ", req.conversionOutcomes()), req.horizonDays());
    for (CutoffResult c : report.cutoffs()) {
      out.println();
      out.printf(Locale.ROOT, "== cutoff %s ==%n", c.cutoff());
      out.printf(Locale.ROOT, "leads: %s%naccounts: %s%n", c.leadsSnapshot(),
          c.accountsSnapshot());
      out.printf(Locale.ROOT, "judged %,d leads; left out %,d created after the cutoff and"
          + " %,d converted on or before it%n%n", c.model().summary().leads(), c.createdAfter(),
          c.convertedBefore());
      summary(out, c, compare, a, b);
      out.println();
      buckets(out, c, compare);
      out.println();
      rules(out, c, compare);
    }
    if (report.cutoffs().size() > 1) {
      out.println();
      trend(out, report, a, false);
      if (compare) {
        trend(out, report, b, true);
      }
    }
    if (compare) {
      out.println();
      Optional<Impact> impact = report.impact();
      if (impact.isEmpty()) {
        out.println("impact preview: " + report.impactNote());
      } else {
        Impact i = impact.get();
        out.printf(Locale.ROOT, "impact preview: if %s replaced %s as of %s (latest scored"
            + " date, %,d leads)%n", b, a, i.date(), i.leads());
        if (i.empty()) {
          out.println("  no lead would change grade, band or MQL status");
        } else {
          out.printf(Locale.ROOT, "  grade changes %,d, band changes %,d, MQL status changes"
              + " %,d (%,d become MQL, %,d stop being MQL)%n", i.gradeChanges(),
              i.bandChanges(), i.mqlChanges(), i.newMqls(), i.lostMqls());
        }
      }
    }
  }

  private static void summary(PrintStream out, CutoffResult c, boolean compare, String a,
      String b) {
    Summary sa = c.model().summary();
    Summary sb = c.compare().map(Evaluation::summary).orElse(null);
    out.printf(Locale.ROOT, "%-16s %14s%s%n", "", a,
        compare ? String.format(Locale.ROOT, " %14s %12s", b, "difference") : "");
    row(out, "conversions", sa, sb, s -> s.conversions(), "%,.0f");
    row(out, "base rate", sa, sb, Summary::baseRate, "%%");
    row(out, "AUC engagement", sa, sb, Summary::aucEngagement, "%.3f");
    row(out, "AUC fit", sa, sb, Summary::aucFit, "%.3f");
    row(out, "AUC combined", sa, sb, Summary::aucCombined, "%.3f");
    row(out, "top 10% lift", sa, sb, Summary::topDecileLift, "%.2fx");
    row(out, "top 20% lift", sa, sb, Summary::top20Lift, "%.2fx");
    row(out, "MQL volume", sa, sb, s -> s.mqlVolume(), "%,.0f");
    row(out, "MQL precision", sa, sb, Summary::mqlPrecision, "%%");
    row(out, "MQL recall", sa, sb, Summary::mqlRecall, "%%");
  }

  private static void row(PrintStream out, String name, Summary a, Summary b,
      ToDoubleFunction<Summary> f, String format) {
    double va = f.applyAsDouble(a);
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-16s %14s", name,
        fmt(va, format)));
    if (b != null) {
      double vb = f.applyAsDouble(b);
      line.append(String.format(Locale.ROOT, " %14s %12s", fmt(vb, format),
          diff(vb - va, format)));
    }
    out.println(line);
  }

  private static void buckets(PrintStream out, CutoffResult c, boolean compare) {
    out.printf(Locale.ROOT, "%-14s %9s %7s %7s %6s%s%n", "conversion by", "leads", "conv",
        "rate", "lift", compare ? String.format(Locale.ROOT, " | %9s %7s %7s %6s %8s",
            "leads", "conv", "rate", "lift", "rate +/-") : "");
    List<Bucket> a = c.model().buckets();
    List<Bucket> b = c.compare().map(Evaluation::buckets).orElse(List.of());
    for (int i = 0; i < a.size(); i++) {
      Bucket x = a.get(i);
      String label = x.dimension() + " " + x.bucket();
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-14s %9s %7s %7s"
          + " %6s", label, count(x.leads()), count(x.conversions()), fmt(x.rate(), "%%"),
          fmt(x.lift(), "%.2fx")));
      if (compare) {
        Bucket y = b.get(i);
        line.append(String.format(Locale.ROOT, " | %9s %7s %7s %6s %8s", count(y.leads()),
            count(y.conversions()), fmt(y.rate(), "%%"), fmt(y.lift(), "%.2fx"),
            diff(y.rate() - x.rate(), "%%")));
      }
      out.println(line);
    }
  }

  private static void rules(PrintStream out, CutoffResult c, boolean compare) {
    out.printf(Locale.ROOT, "%-20s %-10s %9s %7s %7s %6s%s%n", "rule", "kind", "leads",
        "conv", "rate", "lift", compare ? String.format(Locale.ROOT, " | %9s %7s %6s",
            "leads", "rate", "lift") : "");
    List<RuleStat> b = c.compare().map(Evaluation::rules).orElse(List.of());
    List<String> seen = new ArrayList<>();
    for (RuleStat x : c.model().rules()) {
      seen.add(x.rule());
      StringBuilder line = new StringBuilder(ruleLine(x));
      if (compare) {
        line.append(b.stream().filter(y -> y.rule().equals(x.rule())).findFirst()
            .map(y -> String.format(Locale.ROOT, " | %9s %7s %6s", count(y.leads()),
                fmt(y.rate(), "%%"), fmt(y.lift(), "%.2fx")))
            .orElse(" | (not in the compared model)"));
      }
      out.println(line);
    }
    for (RuleStat y : b) {
      if (!seen.contains(y.rule())) {
        out.println(String.format(Locale.ROOT, "%-20s %-10s %9s %7s %7s %6s", y.rule(),
            y.kind(), "", "", "", "") + String.format(Locale.ROOT, " | %9s %7s %6s",
            count(y.leads()), fmt(y.rate(), "%%"), fmt(y.lift(), "%.2fx"))
            + " (only in the compared model)");
      }
    }
  }

  private static String ruleLine(RuleStat x) {
    return String.format(Locale.ROOT, "%-20s %-10s %9s %7s %7s %6s", x.rule(), x.kind(),
        count(x.leads()), count(x.conversions()), fmt(x.rate(), "%%"), fmt(x.lift(), "%.2fx"));
  }

  private static void trend(PrintStream out, Report report, String version, boolean compare) {
    out.printf(Locale.ROOT, "trend of %s over the cutoffs%n", version);
    out.printf(Locale.ROOT, "%-10s %9s %7s %7s %6s %6s %6s %7s %7s %7s %7s%n", "cutoff",
        "leads", "conv", "base", "AUC e", "AUC f", "AUC c", "lift10", "lift20", "MQL p",
        "MQL r");
    for (CutoffResult c : report.cutoffs()) {
      Summary s = compare ? c.compare().orElseThrow().summary() : c.model().summary();
      out.printf(Locale.ROOT, "%-10s %9s %7s %7s %6s %6s %6s %7s %7s %7s %7s%n", c.cutoff(),
          count(s.leads()), count(s.conversions()), fmt(s.baseRate(), "%%"),
          fmt(s.aucEngagement(), "%.3f"), fmt(s.aucFit(), "%.3f"),
          fmt(s.aucCombined(), "%.3f"), fmt(s.topDecileLift(), "%.2fx"),
          fmt(s.top20Lift(), "%.2fx"), fmt(s.mqlPrecision(), "%%"), fmt(s.mqlRecall(), "%%"));
    }
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** "%%" formats a share as a percentage with 2 decimals; NaN is "-". */
  static String fmt(double v, String format) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "-";
    }
    return format.equals("%%") ? String.format(Locale.ROOT, "%.2f%%", v * 100)
        : String.format(Locale.ROOT, format, v);
  }

  private static String diff(double d, String format) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return "-";
    }
    String s = format.equals("%%") ? String.format(Locale.ROOT, "%.2f pp", d * 100)
        : String.format(Locale.ROOT, format, d);
    return d > 0 ? "+" + s : s;
  }
}
