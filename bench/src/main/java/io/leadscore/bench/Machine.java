package io.leadscore.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Where a benchmark ran: the header of its entry in RESULTS.md. */
record Machine(int cores, String memory, String cpu, String java, String heap) {

  static Machine describe() {
    return new Machine(nproc(), memoryText(), cpuModel(),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        maxHeap());
  }

  /** {@code nproc}: the CPUs this process may use; the JVM's count when it is missing. */
  static int nproc() {
    String n = run(Path.of("."), "nproc");
    try {
      return n == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n.trim());
    } catch (NumberFormatException e) {
      return Runtime.getRuntime().availableProcessors();
    }
  }

  /** Total RAM from /proc/meminfo; "unknown" elsewhere. */
  static long memoryBytes() {
    for (String line : lines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  /**
   * The 1-minute load average from /proc/loadavg: on a shared machine, how much else was
   * running, which the figures of an entry depend on.
   */
  static String loadAverage() {
    List<String> l = lines(Path.of("/proc/loadavg"));
    return l.isEmpty() ? "?" : l.get(0).split(" ")[0];
  }

  private static String memoryText() {
    long bytes = memoryBytes();
    return bytes < 0 ? "unknown RAM"
        : String.format(Locale.ROOT, "%.1f GiB RAM", bytes / (1024.0 * 1024 * 1024));
  }

  private static String cpuModel() {
    for (String line : lines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return System.getProperty("os.arch");
  }

  /** The -Xmx the JVM was given, or the maximum heap it chose. */
  private static String maxHeap() {
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("-Xmx")) {
        return arg;
      }
    }
    return String.format(Locale.ROOT, "max heap %d MB",
        Runtime.getRuntime().maxMemory() / (1024 * 1024));
  }

  /** The short commit of the checkout, with "+ uncommitted changes" when it has some. */
  static String commit(Path home) {
    String head = run(home, "git", "rev-parse", "--short", "HEAD");
    if (head == null) {
      return "unknown commit";
    }
    // RESULTS.md is appended to by every run: it alone does not make the code differ.
    String dirty = run(home, "git", "status", "--porcelain", "--untracked-files=no", "--", ".",
        ":(exclude)bench/RESULTS.md");
    return head.trim() + (dirty == null || dirty.isBlank() ? "" : " + uncommitted changes");
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of();
    }
  }

  /** A command's standard output, or null when it fails or is missing. */
  private static String run(Path dir, String... command) {
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return out;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
