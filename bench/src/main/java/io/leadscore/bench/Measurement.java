package io.leadscore.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * One timed run: wall time, the driver's peak heap and the garbage collections during it.
 *
 * <p>Peak heap is the sum over heap pools (eden, survivor, old) of each pool's peak used
 * bytes since the run started; the pools peak at different moments, so it is an upper bound
 * of the heap in use at any one time. In local mode the driver JVM also runs the executors,
 * so it is the whole job's heap, not the driver's alone.
 *
 * @param exitCode the job's exit code (0 for runs that are not jobs)
 */
record Measurement(double wallSeconds, long peakHeapBytes, long gcCount, long gcMillis,
    int exitCode) {

  /** Runs {@code body} (returning an exit code) and measures it. */
  static Measurement of(IntSupplier body) {
    // Garbage of the previous run would otherwise count towards this run's peak.
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
    long gcCount0 = totalGcCount();
    long gcMillis0 = totalGcMillis();
    long start = System.nanoTime();
    int exit = body.getAsInt();
    double wall = (System.nanoTime() - start) / 1e9;
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return new Measurement(wall, peak, totalGcCount() - gcCount0,
        totalGcMillis() - gcMillis0, exit);
  }

  /**
   * Runs made one after another, as one: per repeat {@code i}, the sum of the {@code i}-th
   * measurement of each list (wall time, collections), and the largest of their peaks.
   */
  static List<Measurement> sums(List<List<Measurement>> runs) {
    List<Measurement> out = new ArrayList<>();
    for (int i = 0; i < runs.get(0).size(); i++) {
      double wall = 0;
      long peak = 0;
      long gcCount = 0;
      long gcMillis = 0;
      for (List<Measurement> run : runs) {
        Measurement m = run.get(i);
        wall += m.wallSeconds();
        peak = Math.max(peak, m.peakHeapBytes());
        gcCount += m.gcCount();
        gcMillis += m.gcMillis();
      }
      out.add(new Measurement(wall, peak, gcCount, gcMillis, 0));
    }
    return out;
  }

  private static long totalGcCount() {
    long n = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, gc.getCollectionCount());
    }
    return n;
  }

  private static long totalGcMillis() {
    long ms = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ms += Math.max(0, gc.getCollectionTime());
    }
    return ms;
  }
}
