package io.leadscore.common.config;

/**
 * A refused configuration or model. The message is one line that names the file, the key
 * (and the rule, for model rules) and what is wrong, so it can be shown to the user as is.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
