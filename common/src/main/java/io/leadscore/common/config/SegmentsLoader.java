package io.leadscore.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueType;
import io.leadscore.common.config.Segment.Channel;
import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code leadscore.segments} (SPEC §5) from its file and checks everything that needs
 * no Spark: keys, names (unique, usable as a folder name), channels, limits. Spark-side
 * analysis of the expressions against the real lead_scores schema is done by {@code
 * io.leadscore.common.segments.SegmentFrame#analyse} before any data is read.
 */
public final class SegmentsLoader {
  private static final Set<String> KEYS = Set.of("name", "where", "channel", "columns",
      "order-by", "limit", "description");
  /** Segment names become folder names of the exports: no slash, no '=', no spaces. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

  private SegmentsLoader() {}

  public static List<Segment> load(File file) {
    String name = file.getPath();
    if (!file.isFile()) {
      throw new ConfigException(name + ": segments file not found (leadscore.segments-file)");
    }
    Config root;
    try {
      root = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false))
          .resolve();
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException(name + ": does not parse: " + ModelLoader.oneLine(e.getMessage()),
          e);
    }
    return fromConfig(root, name);
  }

  /** Validates parsed segments; {@code source} names the file in error messages. */
  public static List<Segment> fromConfig(Config root, String source) {
    if (!root.hasPath("leadscore.segments")
        || root.getValue("leadscore.segments").valueType() != ConfigValueType.LIST) {
      throw new ConfigException(source + ": missing required key 'leadscore.segments' (a list"
          + " of segments)");
    }
    ConfigNode holder = new ConfigNode(source, "leadscore", null, root.getObject("leadscore"));
    List<Segment> segments = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (ConfigNode raw : holder.objectList("segments")) {
      try {
        segments.add(segment(raw, seen));
      } catch (ConfigException e) {
        // ConfigNode labels rule errors "(rule X)"; here X is a segment.
        throw new ConfigException(e.getMessage().replaceAll(" \\(rule ", " (segment "), e);
      }
    }
    return List.copyOf(segments);
  }

  private static Segment segment(ConfigNode raw, Map<String, String> seen) {
    ConfigNode node = raw.withLabel(raw.has("name") ? raw.string("name") : null);
    String name = node.string("name");
    node.allowOnly(KEYS);
    if (!NAME.matcher(name).matches()) {
      throw node.fail("name", "segment names are lower-case letters, digits, '-', '_' and"
          + " '.', starting with a letter or digit (they name export folders); was '" + name
          + "'");
    }
    String first = seen.putIfAbsent(name, node.locate("name"));
    if (first != null) {
      throw node.fail("name", "duplicate segment name '" + name + "' (first defined at "
          + first + ")");
    }
    String channelText = node.string("channel").toLowerCase(Locale.ROOT);
    Channel channel = switch (channelText) {
      case "email" -> Channel.EMAIL;
      case "sales" -> Channel.SALES;
      default -> throw node.fail("channel", "unknown channel '" + channelText
          + "' (channels: email, sales)");
    };
    List<String> columns = node.has("columns") ? node.strings("columns")
        : Segment.DEFAULT_COLUMNS;
    List<String> orderBy = node.has("order-by") ? node.strings("order-by")
        : Segment.DEFAULT_ORDER;
    Optional<Integer> limit = node.has("limit") ? Optional.of(node.positiveInt("limit"))
        : Optional.empty();
    if (node.has("description")) {
      node.string("description");
    }
    return new Segment(name, node.string("where"), channel, List.copyOf(columns),
        List.copyOf(orderBy), limit, node.locate("where"));
  }
}
