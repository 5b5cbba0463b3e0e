package io.leadscore.common;

/** Errors as the one line a user sees (the stack trace goes to the debug log). */
public final class Errors {
  private Errors() {}

  /**
   * The innermost non-blank message of an exception and its causes, first line only: the
   * cause usually says what is wrong, the wrappers only where. The class name when no
   * exception in the chain has a message.
   */
  public static String oneLine(Throwable e) {
    Throwable t = e;
    String message = null;
    while (t != null) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
      }
      if (t.getCause() == null || t.getCause() == t) {
        break;
      }
      t = t.getCause();
    }
    if (message == null) {
      return e.getClass().getSimpleName();
    }
    return message.strip().lines().findFirst().orElse(message);
  }

  /** A message on one line: line breaks and the blanks around them become one space. */
  public static String oneLine(String message) {
    return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").trim();
  }
}
