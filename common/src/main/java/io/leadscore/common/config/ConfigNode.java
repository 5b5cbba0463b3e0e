package io.leadscore.common.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A HOCON object read with validation: every getter refuses a missing or mistyped value with
 * a {@link ConfigException} whose one-line message names the file and line, the full key
 * and, inside a rule, the rule's name.
 */
final class ConfigNode {
  private final String file;
  private final String path;
  private final String label;
  private final ConfigObject object;

  ConfigNode(String file, String path, String label, ConfigObject object) {
    this.file = file;
    this.path = path;
    this.label = label;
    this.object = object;
  }

  String path() {
    return path;
  }

  ConfigNode withLabel(String newLabel) {
    return new ConfigNode(file, path, newLabel, object);
  }

  boolean has(String key) {
    ConfigValue v = object.get(key);
    return v != null && v.valueType() != ConfigValueType.NULL;
  }

  /** Refuses keys outside {@code allowed}: a typo must not silently disable a condition. */
  void allowOnly(Collection<String> allowed) {
    for (String key : new TreeSet<>(object.keySet())) {
      if (!allowed.contains(key)) {
        throw fail(key, object.get(key).origin(),
            "unknown key '" + key + "' (allowed: " + String.join(", ", new TreeSet<>(allowed)) + ")");
      }
    }
  }

  Set<String> keys() {
    return new TreeSet<>(object.keySet());
  }

  ConfigNode child(String key) {
    ConfigValue v = require(key);
    if (v.valueType() != ConfigValueType.OBJECT) {
      throw fail(key, v.origin(), "must be an object { ... }, was " + describe(v));
    }
    return new ConfigNode(file, join(key), label, (ConfigObject) v);
  }

  Optional<ConfigNode> optChild(String key) {
    return has(key) ? Optional.of(child(key)) : Optional.empty();
  }

  List<ConfigNode> objectList(String key) {
    ConfigValue v = require(key);
    if (v.valueType() != ConfigValueType.LIST) {
      throw fail(key, v.origin(), "must be a list [ ... ], was " + describe(v));
    }
    List<ConfigNode> out = new ArrayList<>();
    ConfigList list = (ConfigList) v;
    for (int i = 0; i < list.size(); i++) {
      ConfigValue item = list.get(i);
      String itemPath = join(key) + "[" + i + "]";
      if (item.valueType() != ConfigValueType.OBJECT) {
        throw new ConfigException(where(item.origin()) + itemPath + ": must be an object { ... }, was "
            + describe(item));
      }
      out.add(new ConfigNode(file, itemPath, null, (ConfigObject) item));
    }
    return out;
  }

  String string(String key) {
    ConfigValue v = require(key);
    if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
      throw fail(key, v.origin(), "must be a text, was " + describe(v));
    }
    String s = String.valueOf(v.unwrapped()).trim();
    if (s.isEmpty()) {
      throw fail(key, v.origin(), "must not be empty");
    }
    return s;
  }

  Optional<String> optString(String key) {
    return has(key) ? Optional.of(string(key)) : Optional.empty();
  }

  double number(String key) {
    ConfigValue v = require(key);
    Object raw = v.unwrapped();
    if (raw instanceof Number n && Double.isFinite(n.doubleValue())) {
      return n.doubleValue();
    }
    if (raw instanceof String s) {
      try {
        double d = Double.parseDouble(s.trim());
        if (Double.isFinite(d)) {
          return d;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
    }
    throw fail(key, v.origin(), "must be a number, was " + describe(v));
  }

  double positive(String key) {
    double d = number(key);
    if (d <= 0) {
      throw fail(key, object.get(key).origin(), "must be > 0, was " + format(d));
    }
    return d;
  }

  int positiveInt(String key) {
    double d = positive(key);
    if (d != Math.rint(d) || d > Integer.MAX_VALUE) {
      throw fail(key, object.get(key).origin(), "must be a whole number, was " + format(d));
    }
    return (int) d;
  }

  boolean bool(String key) {
    ConfigValue v = require(key);
    Object raw = v.unwrapped();
    if (raw instanceof Boolean b) {
      return b;
    }
    if (raw instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw fail(key, v.origin(), "must be true or false, was " + describe(v));
  }

  /** A list of texts; a single text is accepted as a list of one. */
  List<String> strings(String key) {
    ConfigValue v = require(key);
    List<String> out = new ArrayList<>();
    if (v.valueType() == ConfigValueType.LIST) {
      for (ConfigValue item : (ConfigList) v) {
        if (item.valueType() == ConfigValueType.OBJECT || item.valueType() == ConfigValueType.LIST
            || item.valueType() == ConfigValueType.NULL) {
          throw fail(key, item.origin(), "must be a list of texts, has " + describe(item));
        }
        out.add(String.valueOf(item.unwrapped()).trim());
      }
    } else if (v.valueType() == ConfigValueType.OBJECT) {
      throw fail(key, v.origin(), "must be a list of texts, was " + describe(v));
    } else {
      out.add(String.valueOf(v.unwrapped()).trim());
    }
    if (out.isEmpty()) {
      throw fail(key, v.origin(), "must not be an empty list");
    }
    return out;
  }

  List<Double> numbers(String key) {
    ConfigValue v = require(key);
    if (v.valueType() != ConfigValueType.LIST) {
      throw fail(key, v.origin(), "must be a list of numbers, was " + describe(v));
    }
    List<Double> out = new ArrayList<>();
    for (ConfigValue item : (ConfigList) v) {
      if (!(item.unwrapped() instanceof Number n)) {
        throw fail(key, item.origin(), "must be a list of numbers, has " + describe(item));
      }
      out.add(n.doubleValue());
    }
    return out;
  }

  ConfigOrigin origin(String key) {
    ConfigValue v = object.get(key);
    return v == null ? object.origin() : v.origin();
  }

  /** An error about {@code key} of this node, in the project's one-line format. */
  ConfigException fail(String key, String message) {
    return fail(key, origin(key), message);
  }

  ConfigException fail(String key, ConfigOrigin origin, String message) {
    return new ConfigException(locate(key, origin) + ": " + message);
  }

  /** "file:line: full.key (rule name)": where a later check can point its error. */
  String locate(String key) {
    return locate(key, origin(key));
  }

  private String locate(String key, ConfigOrigin origin) {
    String rule = label == null ? "" : " (rule " + label + ")";
    return where(origin) + join(key) + rule;
  }

  private ConfigValue require(String key) {
    ConfigValue v = object.get(key);
    if (v == null || v.valueType() == ConfigValueType.NULL) {
      throw fail(key, object.origin(), "missing required key '" + key + "'");
    }
    return v;
  }

  private String where(ConfigOrigin origin) {
    int line = origin == null ? -1 : origin.lineNumber();
    return file + (line > 0 ? ":" + line : "") + ": ";
  }

  private String join(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String describe(ConfigValue v) {
    return switch (v.valueType()) {
      case OBJECT -> "an object";
      case LIST -> "a list";
      case NULL -> "null";
      default -> "'" + v.unwrapped() + "'";
    };
  }

  static String format(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
