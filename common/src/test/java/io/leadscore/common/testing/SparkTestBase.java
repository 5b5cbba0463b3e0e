package io.leadscore.common.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import io.leadscore.common.spark.Sessions;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;

/**
 * The one SparkSession of a test JVM, through spark-testing-base. Its Java bases are wired
 * for JUnit 4 ({@code @Before}), so the start is bridged to Jupiter here; the context is
 * deliberately not stopped after each class, so every test class of the module shares it.
 * Delta and the contract settings are set before the session exists, as in production.
 *
 * <p>The base class has its own {@code assertTrue(boolean)}, which hides a static import of
 * Jupiter's; subclasses write {@code Assertions.assertTrue(..., message)}.
 */
public abstract class SparkTestBase extends JavaDataFrameSuiteBase {

  @Override
  public SparkConf conf() {
    SparkConf conf = new SparkConf()
        .setMaster("local[2]")
        .setAppName("leadscore-tests")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.sql.shuffle.partitions", "2")
        .set("spark.default.parallelism", "2")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.app.id", "leadscore-tests")
        // Test tables hold tens of rows: compiling generated code for each new plan and
        // re-planning each stage (AQE) cost more than the work. Interpreted evaluation
        // computes the same values; the command-line, Airflow and cluster checks run the
        // jobs with Spark's defaults. Measured: about a third off the jobs' tests.
        .set("spark.sql.adaptive.enabled", "false")
        .set("spark.sql.codegen.wholeStage", "false")
        .set("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .set("spark.databricks.delta.snapshotPartitions", "1")
        // VACUUM lists the table in this many tasks (Spark's default 10,000: ~30 s of empty
        // tasks per VACUUM of a test table).
        .set("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2");
    Sessions.CONTRACT.forEach(conf::set);
    Sessions.DELTA.forEach(conf::set);
    ForkFreeLocalFileSystem.SPARK_CONF.forEach(conf::set);
    return conf;
  }

  @Override
  public boolean enableHiveSupport() {
    return false;
  }

  @BeforeEach
  public void startSpark() {
    runBefore();
  }

  /** The shared session. */
  protected SparkSession session() {
    return spark();
  }
}
