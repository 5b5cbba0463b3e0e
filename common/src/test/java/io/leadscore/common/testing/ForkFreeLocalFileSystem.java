package io.leadscore.common.testing;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFs;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FsServerDefaults;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.local.LocalConfigKeys;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system for the tests, without a child process per file. Without
 * Hadoop's native library (not on Maven's class path), {@link RawLocalFileSystem} runs
 * {@code chmod} for every file it creates and {@code readlink} twice for every rename, and a
 * Delta commit renames its log entry and its checksum: measured on IncrementalScoringTest,
 * 2,560 child processes, about 7% of the test thread's time. Here both are done through
 * {@code java.nio}, with the same result on the disk; symbolic links still take Hadoop's own
 * path. The jobs run on Hadoop's classes everywhere else (command line, Airflow, cluster).
 *
 * <p>Registered for {@code file:} both as a {@link org.apache.hadoop.fs.FileSystem} (Spark's
 * reads and writes) and as an {@link org.apache.hadoop.fs.AbstractFileSystem}
 * ({@link Fs}, Delta's log store, which writes through {@code FileContext}).
 */
public class ForkFreeLocalFileSystem extends LocalFileSystem {

  /** Settings that make a session use it. */
  public static final Map<String, String> SPARK_CONF = Map.of(
      "spark.hadoop.fs.file.impl", ForkFreeLocalFileSystem.class.getName(),
      "spark.hadoop.fs.AbstractFileSystem.file.impl", Fs.class.getName());

  public ForkFreeLocalFileSystem() {
    super(new Raw());
  }

  /** The unchecked file system underneath, with the two calls done in process. */
  public static class Raw extends RawLocalFileSystem {
    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(permission.toShort()));
    }

    @Override
    public FileStatus getFileLinkStatus(Path f) throws IOException {
      File file = pathToFile(f);
      return Files.isSymbolicLink(file.toPath()) ? super.getFileLinkStatus(f) : getFileStatus(f);
    }

    private static Set<PosixFilePermission> posix(short mode) {
      Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
      // PosixFilePermission lists owner rwx, group rwx, others rwx: bits 8 down to 0.
      PosixFilePermission[] order = PosixFilePermission.values();
      for (int i = 0; i < order.length; i++) {
        if ((mode & (1 << (8 - i))) != 0) {
          set.add(order[i]);
        }
      }
      return set;
    }
  }

  /** The same for {@code FileContext}, as Hadoop's {@code LocalFs} over {@code RawLocalFs}. */
  public static class Fs extends ChecksumFs {
    public Fs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(new RawFs(uri, conf));
    }
  }

  /** Hadoop's {@code RawLocalFs} (whose constructors are package-private) over {@link Raw}. */
  public static class RawFs extends DelegateToFileSystem {
    public RawFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new Raw(), conf, "file", false);
    }

    @Override
    public int getUriDefaultPort() {
      return -1;
    }

    @Override
    @SuppressWarnings("deprecation")
    public FsServerDefaults getServerDefaults() throws IOException {
      return LocalConfigKeys.getServerDefaults();
    }

    @Override
    public FsServerDefaults getServerDefaults(Path f) throws IOException {
      return LocalConfigKeys.getServerDefaults();
    }

    @Override
    public boolean isValidName(String src) {
      return true;
    }
  }
}
