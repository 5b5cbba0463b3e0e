package io.leadscore.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resuming an interrupted warehouse preparation, which at L saves up to an hour of ingest. */
class ScaleDataTest {
  static final LocalDate FIRST = LocalDate.of(2025, 11, 20);

  @TempDir
  Path root;

  ScaleData data() {
    return new ScaleData(Scale.S, root, root, root.resolve("model.conf"),
        LocalDate.of(2026, 11, 20), 1, 0);
  }

  @Test
  void resumesTheDayAfterTheLastBatchIngestedWithTheSameKey() throws Exception {
    Path tmp = root.resolve("w365.tmp");
    Files.createDirectories(tmp.resolve("activities"));
    FileTrees.write(tmp.resolve(ScaleData.PROGRESS_FILE), "key-1 through=2026-01-19\n");

    assertEquals(LocalDate.of(2026, 1, 20), data().resumeFrom(tmp, "key-1", FIRST));
    assertTrue(Files.isDirectory(tmp.resolve("activities")), "ingested tables are kept");
  }

  @Test
  void startsOverInAnEmptiedFolderWhenTheKeyDiffersOrNothingIsRecorded() throws Exception {
    Path tmp = root.resolve("w365.tmp");
    Files.createDirectories(tmp.resolve("activities"));
    FileTrees.write(tmp.resolve(ScaleData.PROGRESS_FILE), "key-1 through=2026-01-19\n");

    assertEquals(FIRST, data().resumeFrom(tmp, "key-2", FIRST));
    assertFalse(Files.exists(tmp), "tables ingested by other code or data are dropped");

    Files.createDirectories(tmp.resolve("activities"));
    assertEquals(FIRST, data().resumeFrom(tmp, "key-1", FIRST));
    assertFalse(Files.exists(tmp));
  }
}
