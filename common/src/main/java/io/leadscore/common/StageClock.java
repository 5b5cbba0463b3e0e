package io.leadscore.common;

import java.util.function.Supplier;

/**
 * Times the named stages of a job, so a store in common can report its expensive steps in
 * the job's progress log and summary without depending on the job.
 */
public interface StageClock {
  <T> T time(String stage, Supplier<T> work);

  default void time(String stage, Runnable work) {
    time(stage, () -> {
      work.run();
      return null;
    });
  }

  /** A clock that only runs the work: for callers that do not report stages. */
  StageClock NONE = new StageClock() {
    @Override
    public <T> T time(String stage, Supplier<T> work) {
      return work.get();
    }
  };
}
