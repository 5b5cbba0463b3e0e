package io.leadscore.jobs;

import static io.leadscore.common.Schemas.*;
import static io.leadscore.common.report.ReportAggregates.*;
import static io.leadscore.common.report.ReportAggregates.LEADS;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The report page: the Mustache template {@code report.mustache} filled from the rows of the
 * {@code report_*} tables of one date, with Apache ECharts (read from its webjar on the
 * classpath), the page's script and its style inlined, so the file opens offline. Mustache
 * escapes every value; the chart data goes in as JSON in a non-executed script element.
 */
final class ReportPage {
  static final String ECHARTS = "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";
  private static final String BASE = "io/leadscore/jobs/report/";

  private ReportPage() {}

  /** What the job gathered for the page: small lists of aggregate rows. */
  static final class Data {
    final LocalDate date;
    final Optional<LocalDate> previous;
    final String modelVersion;
    List<Row> trend = List.of();
    List<Row> transitions = List.of();
    List<Row> distribution = List.of();
    List<Row> priority = List.of();
    List<Row> rules = List.of();
    List<Row> topLeads = List.of();
    List<Row> topAccounts = List.of();
    List<Row> ingestRuns = List.of();
    List<Row> rejects = List.of();
    List<Row> segments = List.of();
    List<Row> backtestBuckets = List.of();
    Long accountsScored;
    String accountsAbsent;
    String segmentsAbsent;
    String backtestAbsent;
    ReportSources.Backtest backtest;

    Data(LocalDate date, Optional<LocalDate> previous, String modelVersion) {
      this.date = date;
      this.previous = previous;
      this.modelVersion = modelVersion;
    }

    private Row today() {
      return trend.stream().filter(r -> day(r).equals(date)).findFirst().orElseThrow(
          () -> new IllegalStateException("no trend row for " + date));
    }

    long leadsScored() {
      return today().<Long>getAs(LEADS);
    }

    long mqls() {
      return today().<Long>getAs(MQLS);
    }

    long hotLeads() {
      return today().<Long>getAs(HOT_LEADS);
    }

    /** Leads whose stage became mql on the date (new leads that start as mql included). */
    long newMqls() {
      return transitions.stream().filter(r -> day(r).equals(date) && "mql".equals(r.getAs(TO)))
          .mapToLong(r -> r.<Long>getAs(LEADS)).sum();
    }

    Optional<Row> lastIngest() {
      return ingestRuns.isEmpty() ? Optional.empty()
          : Optional.of(ingestRuns.get(ingestRuns.size() - 1));
    }

    Long segmentCount() {
      return segmentsAbsent != null ? null
          : (long) segments.stream().map(r -> r.<String>getAs(SEGMENT)).distinct().count();
    }

    /** The report_daily row, in {@link ReportJob#DAILY}'s order. */
    Row dailyRow() {
      Optional<Row> ingest = lastIngest();
      ReportSources.Backtest b = backtest;
      return RowFactory.create(Date.valueOf(date), previous.map(Date::valueOf).orElse(null),
          leadsScored(), mqls(), newMqls(), hotLeads(), accountsScored,
          ingest.map(r -> r.<String>getAs(RUN_ID)).orElse(null),
          ingest.map(r -> r.<Date>getAs(RUN_DATE)).orElse(null),
          ingest.map(r -> r.<Long>getAs(ROWS_READ)).orElse(null),
          ingest.map(r -> r.<Long>getAs(DUPLICATES)).orElse(null),
          ingest.map(r -> r.<Long>getAs(REJECTED)).orElse(null),
          b == null ? null : b.runId(), b == null ? null : b.cutoff(),
          b == null ? null : b.auc(), b == null ? null : b.topDecileLift(),
          segmentCount(), today().<String>getAs(MODEL_VERSION));
    }
  }

  static String render(Data d) {
    Map<String, Object> page = new LinkedHashMap<>();
    page.put("date", d.date.toString());
    page.put("previous", d.previous.map(LocalDate::toString).orElse(null));
    page.put("modelVersion", d.modelVersion);
    page.put("headline", headline(d));
    page.put("matrix", matrix(d));
    page.put("bands", BANDS);
    page.put("topLeads", topLeads(d));
    page.put("topAccounts", d.accountsAbsent == null ? topAccounts(d) : null);
    page.put("accountsAbsent", d.accountsAbsent);
    page.put("rules", rules(d));
    page.put("backtest", d.backtest == null ? null : backtest(d));
    page.put("backtestAbsent", d.backtestAbsent);
    page.put("segments", d.segmentsAbsent == null ? Map.of("count", d.segmentCount()) : null);
    page.put("segmentsAbsent", d.segmentsAbsent);
    page.put("hasRejects", !d.ingestRuns.isEmpty());
    page.put("ingestRuns", d.ingestRuns.size());
    page.put("data", json(charts(d)));
    page.put("echarts", resource(ECHARTS));
    page.put("script", resource(BASE + "report.js"));
    page.put("style", resource(BASE + "report.css"));
    Mustache template = new DefaultMustacheFactory().compile(BASE + "report.mustache");
    StringWriter out = new StringWriter();
    template.execute(out, page);
    return out.toString();
  }

  private static List<Map<String, Object>> headline(Data d) {
    List<Map<String, Object>> figures = new ArrayList<>();
    figures.add(figure("leads_scored", "Leads scored", d.leadsScored(), "every lead in the CRM"));
    figures.add(figure("mqls", "MQLs", d.mqls(), "marketing-qualified today"));
    figures.add(figure("new_mqls", "New MQLs", d.newMqls(), d.previous
        .map(p -> "since " + p).orElse("first scored date")));
    figures.add(figure("hot_leads", "Hot leads", d.hotLeads(), "engagement in the hot band"));
    figures.add(figure("accounts_scored", "Accounts scored", d.accountsScored,
        d.accountsScored == null ? "accounts not run" : "with a committee score"));
    Optional<Row> ingest = d.lastIngest();
    figures.add(figure("ingest_rejected", "Rejected rows",
        ingest.map(r -> r.<Long>getAs(REJECTED)).orElse(null),
        ingest.map(r -> "last ingest, " + r.getAs(RUN_DATE)).orElse("no ingest run")));
    figures.add(figure("ingest_duplicates", "Duplicate rows",
        ingest.map(r -> r.<Long>getAs(DUPLICATES)).orElse(null),
        ingest.map(r -> "of " + number(r.<Long>getAs(ROWS_READ)) + " rows read")
            .orElse("no ingest run")));
    return figures;
  }

  private static Map<String, Object> figure(String key, String label, Long value, String note) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", key);
    m.put("label", label);
    m.put("value", value == null ? "" : value.toString());
    m.put("display", value == null ? "–" : number(value));
    m.put("note", note);
    return m;
  }

  private static List<Map<String, Object>> matrix(Data d) {
    long max = Math.max(1, d.priority.stream().mapToLong(r -> r.<Long>getAs(LEADS)).max()
        .orElse(1));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String grade : GRADES) {
      List<Map<String, Object>> cells = new ArrayList<>();
      for (String band : BANDS) {
        long n = d.priority.stream().filter(r -> grade.equals(r.getAs(GRADE))
            && band.equals(r.getAs(BAND))).mapToLong(r -> r.<Long>getAs(LEADS)).sum();
        Map<String, Object> cell = new LinkedHashMap<>();
        cell.put("priority", grade + (BANDS.indexOf(band) + 1));
        cell.put("leads", n);
        cell.put("display", number(n));
        // Ten shades, by the cell's share of the largest cell; 0 stays blank.
        cell.put("level", n == 0 ? 0 : 1 + (int) Math.min(8, Math.floor(9.0 * n / max)));
        cells.add(cell);
      }
      rows.add(Map.of("grade", grade, "cells", cells));
    }
    return rows;
  }

  private static List<Map<String, Object>> topLeads(Data d) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : d.topLeads) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rank", r.getAs(RANK));
      m.put("leadId", r.getAs(LEAD_ID));
      m.put("name", r.getAs(LEAD_NAME));
      m.put("title", r.getAs(JOB_TITLE));
      m.put("account", Optional.ofNullable(r.<String>getAs(ACCOUNT_NAME))
          .orElse(Optional.ofNullable(r.<String>getAs(ACCOUNT_ID)).orElse("")));
      m.put("priority", r.getAs(PRIORITY));
      m.put("stage", r.getAs(STAGE));
      m.put("fit", score(r.getAs(FIT_SCORE)));
      m.put("engagement", score(r.getAs(ENGAGEMENT_SCORE)));
      List<String> reasons = new ArrayList<>();
      List<Row> top = r.getList(r.fieldIndex(TOP_REASONS));
      if (top != null) {
        for (Row reason : top) {
          double p = reason.getDouble(1);
          reasons.add(reason.getString(0) + " " + (p > 0 ? "+" : "") + score(p));
        }
      }
      m.put("reasons", String.join(", ", reasons));
      out.add(m);
    }
    return out;
  }

  private static List<Map<String, Object>> topAccounts(Data d) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : d.topAccounts) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rank", r.getAs(RANK));
      m.put("accountId", r.getAs(ACCOUNT_ID));
      m.put("name", Optional.ofNullable(r.<String>getAs(ACCOUNT_NAME)).orElse(""));
      m.put("grade", r.getAs(GRADE));
      m.put("band", r.getAs(BAND));
      m.put("engagement", score(r.getAs(ENGAGEMENT_SCORE)));
      m.put("engagedLeads", r.getAs(ENGAGED_LEADS) + " of " + r.getAs(LEADS_COUNT));
      Object coverage = r.getAs(COMMITTEE_COVERAGE);
      m.put("coverage", coverage == null ? "–"
          : String.format(Locale.ROOT, "%.0f%%", ((Number) coverage).doubleValue() * 100));
      m.put("bestLead", r.getAs(BEST_LEAD_ID) == null ? "–"
          : r.getAs(BEST_LEAD_ID) + " (" + r.getAs(BEST_LEAD_PRIORITY) + ")");
      out.add(m);
    }
    return out;
  }

  private static List<Row> rulesByWeight(Data d) {
    List<Row> rules = new ArrayList<>(d.rules);
    rules.sort(Comparator.comparingDouble((Row r) -> -Math.abs(r.<Double>getAs(TOTAL_POINTS)))
        .thenComparing(r -> r.<String>getAs(RULE)));
    return rules;
  }

  private static List<Map<String, Object>> rules(Data d) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rulesByWeight(d)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rule", r.getAs(RULE));
      m.put("kind", r.getAs(KIND));
      m.put("leads", r.getAs(LEADS));
      m.put("leadsDisplay", number(r.<Long>getAs(LEADS)));
      m.put("points", score(r.getAs(TOTAL_POINTS)));
      out.add(m);
    }
    return out;
  }

  private static Map<String, Object> backtest(Data d) {
    ReportSources.Backtest b = d.backtest;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("runId", b.runId());
    m.put("cutoff", String.valueOf(b.cutoff()));
    m.put("auc", b.auc() == null ? "–" : String.format(Locale.ROOT, "%.3f", b.auc()));
    m.put("lift", b.topDecileLift() == null ? "–"
        : String.format(Locale.ROOT, "%.2f×", b.topDecileLift()));
    m.put("leads", b.leads() == null ? "–" : number(b.leads()));
    m.put("conversions", b.conversions() == null ? "–" : number(b.conversions()));
    return m;
  }

  /** Everything the charts draw, as plain lists: the page's script turns it into ECharts options. */
  private static Map<String, Object> charts(Data d) {
    Map<String, Object> c = new LinkedHashMap<>();
    for (String measure : List.of(FIT, ENGAGEMENT)) {
      List<String> labels = new ArrayList<>();
      List<Long> values = new ArrayList<>();
      for (Row r : d.distribution) {
        if (measure.equals(r.getAs(MEASURE))) {
          labels.add(score(r.getAs(LOWER)) + "–" + score(r.getAs(UPPER)));
          values.add(r.getAs(LEADS));
        }
      }
      c.put(measure, Map.of("labels", labels, "values", values));
    }
    List<String> days = d.trend.stream().map(r -> day(r).toString()).toList();
    c.put("trend", Map.of("days", days,
        "mqls", d.trend.stream().map(r -> r.<Long>getAs(MQLS)).toList(),
        "hot", d.trend.stream().map(r -> r.<Long>getAs(HOT_LEADS)).toList()));
    c.put("transitions", Map.of("days", days, "series", seriesByDay(days, d.transitions,
        r -> "→ " + r.getAs(TO), LEADS)));
    List<Row> rules = rulesByWeight(d);
    c.put("rules", Map.of(
        "names", rules.stream().map(r -> r.<String>getAs(RULE)).toList(),
        "points", rules.stream().map(r -> r.<Double>getAs(TOTAL_POINTS)).toList(),
        "leads", rules.stream().map(r -> r.<Long>getAs(LEADS)).toList()));
    List<String> runs = new ArrayList<>();
    Map<String, Integer> runIndex = new LinkedHashMap<>();
    for (Row r : d.ingestRuns) {
      runIndex.put(r.getAs(RUN_ID), runs.size());
      runs.add(r.getAs(RUN_DATE) + " "
          + r.<java.sql.Timestamp>getAs(STARTED_AT).toString().substring(11, 16));
    }
    Map<String, long[]> byReason = new java.util.TreeMap<>();
    for (Row r : d.rejects) {
      Integer i = runIndex.get(r.<String>getAs(RUN_ID));
      if (i != null) {
        byReason.computeIfAbsent(r.getAs(REASON), k -> new long[runs.size()])[i] +=
            r.<Long>getAs(ROWS);
      }
    }
    List<Map<String, Object>> rejectSeries = new ArrayList<>();
    byReason.forEach((reason, v) -> rejectSeries.add(Map.of("name", reason, "values", v)));
    c.put("rejects", Map.of("runs", runs, "series", rejectSeries));
    if (d.segmentsAbsent == null) {
      c.put("segmentSizes", Map.of("days", days,
          "series", seriesByDay(days, d.segments, r -> r.getAs(SEGMENT), SIZE)));
      List<Map<String, Object>> flow = new ArrayList<>();
      flow.addAll(seriesByDay(days, d.segments, r -> r.getAs(SEGMENT) + " added", ADDED));
      for (Map<String, Object> s : seriesByDay(days, d.segments,
          r -> r.getAs(SEGMENT) + " removed", REMOVED)) {
        long[] v = (long[]) s.get("values");
        for (int i = 0; i < v.length; i++) {
          v[i] = -v[i];
        }
        flow.add(s);
      }
      c.put("segmentFlow", Map.of("days", days, "series", flow));
    }
    if (d.backtest != null) {
      for (String dim : ReportSources.BACKTEST_DIMENSIONS) {
        List<Row> rows = d.backtestBuckets.stream().filter(r -> dim.equals(r.getAs("dimension")))
            .sorted(Comparator.comparing(ReportPage::bucketOrder)).toList();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("buckets", rows.stream().map(r -> r.<String>getAs("bucket")).toList());
        m.put("rates", rows.stream().map(r -> r.<Double>getAs("conversion_rate")).toList());
        m.put("lift", rows.stream().map(r -> r.<Double>getAs("lift")).toList());
        m.put("leads", rows.stream().map(r -> r.<Long>getAs("leads")).toList());
        c.put("backtest_" + dim, m);
      }
    }
    return c;
  }

  /** Bands hot, warm, cold; grades A..D; deciles numerically. */
  private static String bucketOrder(Row r) {
    String b = r.getAs("bucket");
    int band = BANDS.indexOf(b);
    if (band >= 0) {
      return "0" + band;
    }
    return b.matches("\\d+") ? String.format(Locale.ROOT, "1%09d", Long.parseLong(b)) : "2" + b;
  }

  private static List<Map<String, Object>> seriesByDay(List<String> days, List<Row> rows,
      java.util.function.Function<Row, String> name, String value) {
    Map<String, long[]> series = new java.util.TreeMap<>();
    for (Row r : rows) {
      int i = days.indexOf(day(r).toString());
      if (i < 0) {
        continue;
      }
      series.computeIfAbsent(name.apply(r), k -> new long[days.size()])[i] += r.<Long>getAs(value);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    series.forEach((n, v) -> out.add(new LinkedHashMap<>(Map.of("name", n, "values", v))));
    return out;
  }

  private static LocalDate day(Row r) {
    return r.<Date>getAs(DAY).toLocalDate();
  }

  private static String number(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String score(Object v) {
    if (v == null) {
      return "–";
    }
    double x = ((Number) v).doubleValue();
    return x == Math.rint(x) ? String.format(Locale.ROOT, "%.0f", x)
        : String.format(Locale.ROOT, "%.2f", x);
  }

  /** JSON safe inside a script element: '<' only occurs in strings, where \u003c means it. */
  private static String json(Object value) {
    try {
      return new ObjectMapper().writeValueAsString(value).replace("<", "\\u003c");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("chart data", e);
    }
  }

  private static String resource(String name) {
    try (InputStream in = ReportPage.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(name, e);
    }
  }
}
