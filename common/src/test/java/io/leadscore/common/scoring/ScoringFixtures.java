package io.leadscore.common.scoring;

import static io.leadscore.common.Schemas.*;

import com.typesafe.config.ConfigFactory;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.ModelLoader;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import scala.collection.JavaConverters;

/**
 * Tiny named factories for scoring tests: a model, leads, accounts and activities. Public and
 * in common's test-jar, so the jobs tests build their warehouses from the same rows.
 */
public final class ScoringFixtures {
  private ScoringFixtures() {}

  public static final LocalDate D = LocalDate.of(2026, 11, 20);

  /** A small model whose numbers make hand computation easy. */
  public static final String MODEL = """
      leadscore.model {
        version = "test-v1"
        engagement {
          half-life-days = 10
          lookback-days = 30
          max = 100
          rules = [
            { name = visit,   types = [page_view], url-contains = "/home", points = 10 }
            { name = pricing, types = [page_view], url-contains = "/PRICING", points = 8, max-per-day = 1 }
            { name = open,    types = [email_open], points = 2, max-per-day = 2, cap = 5 }
            { name = careers, types = [page_view], url-contains = "/careers", points = -6, cap = 10 }
            { name = unsub,   types = [email_unsubscribe], points = -20, decay = false }
            { name = demo,    types = [demo_request], points = 40, half-life-days = 20 }
            { name = video,   types = [video_view], when = "cast(properties['pct'] as int) >= 75", points = 5, decay = false }
            { name = bonus,   types = [form_submit], points = 19.995, decay = false }
          ]
          inactivity { days = 20, points = -7 }
        }
        fit {
          max = 100
          rules = [
            { name = industry, field = account.industry, in = [Software], points = 40 }
            { name = size,     field = account.employee_count, between = [100, 1000], points = 30 }
            { name = title,    field = lead.job_title, matches = "(?i)\\\\bvp\\\\b", points = 20 }
            { name = student,  field = lead.job_title, matches = "(?i)student", points = -50 }
            { name = freemail, field = lead.email_domain, in-list = free-mail, points = -10 }
          ]
          grades { A = 75, B = 50, C = 25 }
        }
        bands { hot = 50, warm = 20 }
        lifecycle { mql { grades = [A, B], min-engagement = 40 }, recycle-below = 15 }
        accounts { top-leads = 3, engaged-band = warm, personas = [] }
        lists { free-mail = [gmail.com] }
      }
      """;

  public static Model model() {
    return loader().fromConfig(ConfigFactory.parseString(MODEL), "test-model.conf");
  }

  public static ModelLoader loader() {
    List<String> leadFields = new ArrayList<>(List.of(LEADS.fieldNames()));
    leadFields.add(EMAIL_DOMAIN);
    return new ModelLoader(List.of("page_view", "email_open", "email_unsubscribe",
        "email_bounce", "demo_request", "video_view", "form_submit"), leadFields,
        List.of(ACCOUNTS.fieldNames()));
  }

  public static Dataset<Row> accounts(SparkSession spark) {
    return spark.createDataFrame(List.of(
        RowFactory.create("A1", "acme.com", "Acme", "software", 500L, 1e7, "US", null),
        RowFactory.create("A2", "shop.com", "Shop", "retail", 50L, 1e6, "US", null),
        // A bogus account on a free-mail domain: leads on gmail.com must never join it.
        RowFactory.create("A3", "gmail.com", "Gmail squatter", "software", 500L, 1e6, "US",
            null)), ACCOUNTS);
  }

  public static Row lead(String id, String email, String title, String accountId, String crmStage,
      Boolean optIn, String createdAt, String updatedAt) {
    return RowFactory.create(id, email, "First " + id, "Last " + id, title, "US", accountId,
        crmStage, optIn, ts(createdAt), ts(updatedAt));
  }

  public static Dataset<Row> leads(SparkSession spark, List<Row> rows) {
    return spark.createDataFrame(rows, LEADS);
  }

  /** One activity; {@code age} is in days before {@link #D}, at 12:00 UTC. */
  public static Row activity(String eventId, int age, String type, String leadId, String email,
      String accountId, String url, Map<String, String> properties) {
    LocalDate day = D.minusDays(age);
    return RowFactory.create(eventId, ts(day + "T12:00:00Z"), Date.valueOf(day), type, leadId,
        email, accountId, url, null,
        properties == null ? null : JavaConverters.mapAsScalaMap(new HashMap<>(properties)),
        null, "fixture", "run-0");
  }

  /** A lead with only an id and an email (no title, no account, CRM stage lead). */
  public static Row lead(String id, String email) {
    return lead(id, email, null, null, "lead", true, "2026-01-01T00:00:00Z", null);
  }

  /** An activity at 12:00 UTC of {@code day}, without properties. */
  public static Row activityOn(String eventId, LocalDate day, String type, String leadId,
      String email, String accountId, String url) {
    return RowFactory.create(eventId, ts(day + "T12:00:00Z"), Date.valueOf(day), type, leadId,
        email, accountId, url, null, null, null, "fixture", "run-0");
  }

  public static Dataset<Row> activities(SparkSession spark, List<Row> rows) {
    return spark.createDataFrame(rows, ACTIVITIES);
  }

  public static Timestamp ts(String iso) {
    return iso == null ? null : Timestamp.from(Instant.parse(iso));
  }
}
