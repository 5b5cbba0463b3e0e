package io.leadscore.common.generate;

import java.util.List;
import java.util.Locale;

/**
 * The small word lists the generator draws from: the only data the driver holds. Every
 * entry is plain ASCII without quotes or backslashes, so values are placed into JSON
 * text without escaping.
 */
final class Vocabulary {
  private Vocabulary() {}

  static final List<String> FIRST_NAMES = List.of(
      "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Sophia", "Mateo", "Mia", "Ethan",
      "Amara", "Arjun", "Priya", "Wei", "Yuki", "Hana", "Lukas", "Lena", "Sofia", "Diego",
      "Fatima", "Omar", "Chloe", "Hugo", "Ingrid", "Lars", "Aisha", "Kwame", "Elena", "Marco",
      "Grace", "Daniel", "Sara", "Jonas", "Camille", "Raj", "Mei", "Tomas", "Nora", "Ivan");

  static final List<String> LAST_NAMES = List.of(
      "Smith", "Johnson", "Garcia", "Mueller", "Schmidt", "Rossi", "Dubois", "Martin",
      "Nguyen", "Kim", "Patel", "Singh", "Tanaka", "Sato", "Chen", "Wang", "Silva", "Santos",
      "Kowalski", "Novak", "Jensen", "Larsen", "Brown", "Wilson", "Lopez", "Moreau", "Ricci",
      "Costa", "Haddad", "Okafor", "Mensah", "Ivanova", "Berg", "Fischer", "Walsh", "Murphy");

  // Personas: index 0..3, also the row index of TITLES and of the activity mixes.
  static final int ECONOMIC_BUYER = 0;
  static final int CHAMPION = 1;
  static final int USER = 2;
  static final int STUDENT = 3;
  static final double[] PERSONA_WEIGHTS = {15, 25, 50, 10};

  static final List<List<String>> TITLES = List.of(
      List.of("VP of Engineering", "Chief Technology Officer", "CFO", "VP Marketing",
          "Chief Data Officer", "VP of Sales", "CEO", "COO", "Chief Marketing Officer"),
      List.of("Head of Data", "Director of Marketing", "Engineering Manager", "Head of Growth",
          "Director of Analytics", "Marketing Operations Manager", "Data Platform Manager",
          "Director of Demand Generation"),
      List.of("Data Engineer", "Analyst", "Software Engineer", "Marketing Specialist",
          "Data Scientist", "Business Analyst", "Sales Development Representative",
          "Analytics Engineer", "Marketing Coordinator"),
      List.of("Student", "Intern", "Marketing Intern", "PhD Student", "Data Science Intern"));

  static final List<String> INDUSTRIES = List.of("software", "fintech", "healthcare",
      "retail", "manufacturing", "education", "media", "logistics", "consulting");
  static final double[] INDUSTRY_WEIGHTS = {22, 10, 12, 12, 14, 8, 8, 8, 6};
  /** Revenue per employee in USD, by industry. */
  static final double[] REVENUE_PER_EMPLOYEE =
      {220_000, 300_000, 150_000, 180_000, 200_000, 90_000, 160_000, 170_000, 140_000};
  /** The second word of a company name, by industry, so names read plausibly. */
  static final List<List<String>> NAME_SUFFIXES = List.of(
      List.of("Analytics", "Software", "Systems", "Labs", "Cloud"),
      List.of("Pay", "Capital", "Finance", "Ledger"),
      List.of("Health", "Medical", "Care", "Bio"),
      List.of("Retail", "Stores", "Goods", "Market"),
      List.of("Industries", "Manufacturing", "Works", "Components"),
      List.of("Learning", "Academy", "Education"),
      List.of("Media", "Studios", "Publishing"),
      List.of("Logistics", "Freight", "Shipping"),
      List.of("Partners", "Consulting", "Advisors"));

  static final List<String> COMPANY_WORDS = List.of(
      "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Soylent", "Tyrell",
      "Cyberdyne", "Wonka", "Northwind", "Contoso", "Fabrikam", "Blue Harbor", "Red Pine",
      "Silver Fox", "Bright Path", "Iron Peak", "Clear Water", "Green Leaf", "Nimbus",
      "Quantum", "Atlas", "Orion", "Vertex", "Summit", "Pioneer", "Lumen", "Nova", "Zenith",
      "Helix", "Polar", "Cobalt", "Granite", "Maple", "Juniper");
  static final List<String> COMPANY_SLUGS = slugs(COMPANY_WORDS);
  static final List<List<String>> NAME_SUFFIX_SLUGS =
      NAME_SUFFIXES.stream().map(Vocabulary::slugs).toList();

  static final List<String> TLDS = List.of(".com", ".io", ".co.uk", ".de");
  static final double[] TLD_WEIGHTS = {80, 10, 5, 5};

  static final List<String> COUNTRIES = List.of("US", "GB", "DE", "FR", "IN", "CA", "NL",
      "AU", "BR", "JP", "SG", "ES", "SE", "PL", "MX");
  static final double[] COUNTRY_WEIGHTS = {35, 10, 9, 6, 8, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2};

  /** The free-mail providers of the reference model's {@code lists.free-mail}. */
  static final List<String> FREE_MAIL = List.of("gmail.com", "yahoo.com", "hotmail.com",
      "outlook.com");

  static final String SITE = "https://www.leadscore-demo.com";
  static final List<String> GENERIC_PAGES = List.of("/", "/product/scoring",
      "/product/segments", "/product/integrations", "/blog/what-is-lead-scoring",
      "/blog/mql-vs-sql", "/blog/account-based-marketing", "/blog/engagement-decay",
      "/docs/getting-started", "/docs/api", "/docs/model-reference", "/customers",
      "/integrations", "/about");
  /** Share of page views on /pricing and on /careers, by persona. */
  static final double[] PRICING_SHARE = {0.14, 0.10, 0.06, 0.02};
  static final double[] CAREERS_SHARE = {0.01, 0.02, 0.04, 0.18};
  static final List<String> UTM_SOURCES = List.of("newsletter", "linkedin", "google", "partner");
  static final List<String> FORMS = List.of("contact", "newsletter", "event-signup");
  static final List<String> ASSETS = List.of("lead-scoring-playbook", "abm-guide-2026",
      "mql-benchmark-report", "data-quality-checklist", "roi-calculator");
  static final List<String> WEBINARS = List.of("scoring-101", "abm-in-practice",
      "spark-for-marketers", "q4-product-update");
  static final List<String> VIDEOS = List.of("product-tour", "customer-story-acme",
      "decay-explained", "setup-in-5-minutes");
  static final List<String> INTENT_TOPICS = List.of("lead scoring", "marketing automation",
      "customer data platform", "sales intelligence", "account based marketing");
  static final List<String> STRENGTHS = List.of("low", "medium", "high");
  static final List<String> MAIL_CLIENTS = List.of("gmail", "outlook", "apple_mail", "other");

  static final List<String> ACTIVITY_TYPES = List.of("page_view", "email_open",
      "email_click", "email_bounce", "email_unsubscribe", "form_submit", "content_download",
      "webinar_registration", "webinar_attended", "video_view", "demo_request",
      "trial_signup", "intent_signal");
  /** Relative weights of ACTIVITY_TYPES, one row per persona. */
  static final double[][] ACTIVITY_MIX = {
      {40, 20, 6, 0.5, 0.8, 3, 4, 2, 1.5, 4, 2.5, 1, 0.5},
      {42, 22, 8, 0.5, 0.8, 3.5, 6, 3, 2, 5, 1.2, 2, 0.5},
      {48, 18, 6, 0.6, 1.0, 2, 5, 2.5, 1.8, 6, 0.3, 3, 0.3},
      {55, 15, 4, 1.0, 1.5, 1.5, 6, 2, 1.5, 7, 0.1, 2, 0}};

  static List<String> slugs(List<String> words) {
    return words.stream().map(w -> w.toLowerCase(Locale.ROOT).replace(' ', '-')).toList();
  }
}
