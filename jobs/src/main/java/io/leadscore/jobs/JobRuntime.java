package io.leadscore.jobs;

import io.leadscore.common.Schemas;
import io.leadscore.common.config.AppSettings;
import io.leadscore.common.config.Model;
import io.leadscore.common.config.ModelLoader;
import io.leadscore.common.scoring.ModelAnalyzer;
import io.leadscore.common.storage.DeltaStore;
import io.leadscore.common.ingest.InputFiles;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** What a job runs with: settings, the Spark session, the warehouse and the inputs. */
public final class JobRuntime {
  private final AppSettings settings;
  private final SparkSession spark;
  private final DeltaStore store;
  private final InputFiles inputs;
  private final Optional<File> modelOverride;
  private final String runId = UUID.randomUUID().toString();

  public JobRuntime(AppSettings settings, SparkSession spark, Optional<File> modelOverride) {
    this.settings = settings;
    this.spark = spark;
    this.store = new DeltaStore(spark, settings.warehouse(),
        settings.failAfterWrite().orElse(null));
    this.inputs = new InputFiles(spark);
    this.modelOverride = modelOverride;
  }

  public AppSettings settings() {
    return settings;
  }

  public SparkSession spark() {
    return spark;
  }

  public DeltaStore store() {
    return store;
  }

  public InputFiles inputs() {
    return inputs;
  }

  public String runId() {
    return runId;
  }

  /** Refuses to go on before ingest has created the tables every scoring job reads. */
  public void requireIngested() {
    for (String table : List.of(Schemas.T_LEADS, Schemas.T_ACCOUNTS, Schemas.T_ACTIVITIES)) {
      if (!store.exists(table)) {
        throw new IllegalStateException("table " + store.path(table)
            + " does not exist: run ingest first");
      }
    }
  }

  public File modelFile() {
    return modelOverride.orElse(new File(settings.modelFile()));
  }

  /**
   * Loads the model and has Spark analyse its {@code when} expressions, reading only table
   * schemas: a bad model is refused before any data is read.
   */
  public Model loadModel() {
    return loadModel(modelFile());
  }

  /** {@link #loadModel()} for another model file (backtest --compare). */
  public Model loadModel(File file) {
    StructType leads = tableSchemaOr(Schemas.T_LEADS, Schemas.LEADS);
    StructType accounts = tableSchemaOr(Schemas.T_ACCOUNTS, Schemas.ACCOUNTS);
    List<String> leadFields = names(Schemas.leadRuleSchema(leads));
    ModelLoader loader = new ModelLoader(settings.activityTypes(), leadFields, names(accounts));
    Model model = loader.load(file);
    ModelAnalyzer.analyse(spark, model, leads, accounts);
    return model;
  }

  /** The stored table's schema (extra snapshot columns included) or the contract's. */
  private StructType tableSchemaOr(String table, StructType contract) {
    StructType schema = contract;
    if (store.exists(table)) {
      for (StructField f : store.read(table).schema().fields()) {
        if (!List.of(schema.fieldNames()).contains(f.name())) {
          schema = schema.add(f);
        }
      }
    }
    return schema;
  }

  private static List<String> names(StructType schema) {
    return new ArrayList<>(List.of(schema.fieldNames()));
  }
}
