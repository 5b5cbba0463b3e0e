package io.leadscore.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which file reads which key under {@code leadscore}: a key put where nothing reads it would
 * be silently ignored, so it is refused with the file that must hold it. The one place to
 * extend when a key gets a new home.
 */
final class KeyPlacement {
  private KeyPlacement() {}

  /** The one file segment definitions are read from (SPEC §5; README "Segments"). */
  static final String SEGMENTS_ELSEWHERE = "segment definitions are read only from a file of"
      + " their own, named by leadscore.segments-file (LEADSCORE_SEGMENTS; conf/segments.conf"
      + " in conf/local.conf): move this list there";

  /** Where the settings (reference.conf, --conf) send keys they do not read, and why. */
  static final Map<String, String> NOT_IN_SETTINGS = Map.of(
      "model", "the scoring model is read only from the model file (leadscore.model-file or"
          + " --model), not from the settings: move this block there",
      "segments", SEGMENTS_ELSEWHERE);

  /**
   * Keys a model file may hold under {@code leadscore}: the model and the activity types it
   * names (merged with the settings' list).
   */
  static final Set<String> IN_MODEL_FILE = Set.of("model", "activity-types");

  /** Refuses settings keys that belong in another file. */
  static void checkSettings(Config config, String source) {
    if (!config.hasPath("leadscore")) {
      return;
    }
    ConfigNode holder = new ConfigNode(source, "leadscore", null, config.getObject("leadscore"));
    for (Map.Entry<String, String> e : new TreeMap<>(NOT_IN_SETTINGS).entrySet()) {
      if (holder.has(e.getKey())) {
        throw holder.fail(e.getKey(), e.getValue());
      }
    }
  }

  /** Refuses keys under {@code leadscore} in a model file that no reader of it reads. */
  static void checkModelFile(Config root, String source) {
    if (!root.hasPath("leadscore")
        || root.getValue("leadscore").valueType() != ConfigValueType.OBJECT) {
      return;
    }
    ConfigNode holder = new ConfigNode(source, "leadscore", null, root.getObject("leadscore"));
    for (String key : holder.keys()) {
      if (key.equals("segments")) {
        throw holder.fail(key, SEGMENTS_ELSEWHERE);
      }
      if (!IN_MODEL_FILE.contains(key)) {
        throw holder.fail(key, "is a setting, read only from the settings file (--conf or"
            + " reference.conf), not from the model file (a model file holds: leadscore."
            + String.join(", leadscore.", new java.util.TreeSet<>(IN_MODEL_FILE)) + ")");
      }
    }
  }
}
