package io.leadscore.common.scoring;

import static org.apache.spark.sql.functions.expr;

import io.leadscore.common.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.expressions.CurrentDate;
import org.apache.spark.sql.catalyst.expressions.CurrentTimestampLike;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Like;
import org.apache.spark.sql.catalyst.expressions.LocalTimestamp;
import org.apache.spark.sql.catalyst.expressions.RLike;
import org.apache.spark.sql.catalyst.expressions.RaiseError;
import org.apache.spark.sql.catalyst.expressions.RegExpExtractBase;
import org.apache.spark.sql.catalyst.expressions.RegExpReplace;
import org.apache.spark.sql.catalyst.expressions.RuntimeReplaceable;
import org.apache.spark.sql.catalyst.expressions.StringSplit;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.expressions.TryEval;
import org.apache.spark.sql.catalyst.util.StringUtils;
import scala.collection.JavaConverters;

/**
 * What makes a {@code when} safe to run on every row (SPEC §8.5: a {@code when} never fails a
 * job). At start, {@link #check} refuses what would fail or change from run to run whatever
 * the data: a literal regex that does not compile (Spark compiles it once per task, outside
 * any row), {@code raise_error}/{@code assert_true}, subqueries, and non-deterministic or
 * clock-reading functions (a rerun of a date must reproduce it). At run time,
 * {@link #condition} turns what can only fail on some rows (a regex read from a column, a
 * date pattern the parser rejects) into null, which rules read as "no match".
 */
public final class WhenGuard {
  private WhenGuard() {}

  /** The {@code when} as a column whose evaluation errors become null for that row. */
  public static Column condition(String sql) {
    // TryEval is what Spark's own try_* functions wrap around their child: eval and codegen
    // both catch the row's exception and return null.
    return new Column(new TryEval(expr(sql).expr()));
  }

  /**
   * Refuses an analysed {@code when} that is unsafe whatever the data.
   *
   * @param location "file:line: key (rule name)", the start of the error message
   */
  public static void check(Expression analysed, String sql, String location) {
    problem(analysed).ifPresent(p -> {
      throw new ConfigException(location + ": '" + sql + "' " + p);
    });
  }

  /** The first reason the expression is unsafe, walking the tree top-down. */
  static Optional<String> problem(Expression e) {
    Optional<String> own = ownProblem(e);
    if (own.isPresent()) {
      return own;
    }
    for (Expression child : children(e)) {
      Optional<String> p = problem(child);
      if (p.isPresent()) {
        return p;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> ownProblem(Expression e) {
    if (e instanceof SubqueryExpression) {
      return Optional.of("uses a subquery: a when sees only the row's own columns");
    }
    if (e instanceof RaiseError || e.getClass().getSimpleName().equals("AssertTrue")) {
      return Optional.of("calls " + e.prettyName() + ", which fails the job: a when must"
          + " never fail a job (a null or false result is \"no match\")");
    }
    if (e instanceof CurrentTimestampLike || e instanceof CurrentDate
        || e instanceof LocalTimestamp) {
      return Optional.of("reads the clock (" + e.prettyName() + "): scores must depend on the"
          + " score date only, so that rerunning a date reproduces it");
    }
    if (!e.deterministic() && children(e).stream().allMatch(Expression::deterministic)) {
      return Optional.of("calls the non-deterministic " + e.prettyName() + ": rerunning a date"
          + " must reproduce it");
    }
    return literalRegex(e).flatMap(regex -> compileProblem(e, regex));
  }

  /** The foldable regex argument of a regex function, evaluated; empty if none or not literal. */
  private static Optional<String> literalRegex(Expression e) {
    Expression pattern;
    if (e instanceof RLike r) {
      pattern = r.right();
    } else if (e instanceof Like l) {
      pattern = l.right();
    } else if (e instanceof RegExpExtractBase r) {
      pattern = r.regexp();
    } else if (e instanceof RegExpReplace r) {
      pattern = r.regexp();
    } else if (e instanceof StringSplit s) {
      pattern = s.regex();
    } else {
      return Optional.empty();
    }
    if (!pattern.foldable()) {
      return Optional.empty();
    }
    Object value = pattern.eval(null);
    return value == null ? Optional.empty() : Optional.of(value.toString());
  }

  private static Optional<String> compileProblem(Expression e, String regex) {
    try {
      String javaRegex = e instanceof Like l
          ? StringUtils.escapeLikeRegex(regex, l.escapeChar()) : regex;
      Pattern.compile(javaRegex);
      return Optional.empty();
    } catch (PatternSyntaxException ex) {
      return Optional.of("has a " + e.prettyName() + " pattern '" + regex + "' that is not a"
          + " valid regular expression: " + ex.getDescription() + " near index "
          + ex.getIndex());
    } catch (Exception ex) {
      // escapeLikeRegex refuses a dangling escape character with an AnalysisException, checked
      // in Scala's eyes only.
      return Optional.of("has a " + e.prettyName() + " pattern '" + regex + "' that is not"
          + " valid: " + ModelAnalyzer.firstLine(ex.getMessage()));
    }
  }

  /** The children, and what a function Spark rewrites at optimisation (regexp_count) runs. */
  private static List<Expression> children(Expression e) {
    List<Expression> children = new ArrayList<>(JavaConverters.seqAsJavaList(e.children()));
    if (e instanceof RuntimeReplaceable r) {
      children.add(r.replacement());
    }
    return children;
  }
}
