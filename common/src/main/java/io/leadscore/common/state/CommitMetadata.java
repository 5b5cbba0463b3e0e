package io.leadscore.common.state;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a derived table's data reflects, kept as the {@code userMetadata} of the Delta commit
 * that wrote it: {@code leadscore.<table> key=value key=value ...}, visible in {@code DESCRIBE
 * HISTORY}. Data and what it reflects thus change in one atomic commit, and no separate state
 * table can disagree with the data. Values hold no spaces (hashes, dates, {@code id@version}).
 */
public record CommitMetadata(String table, Map<String, String> values) {

  public CommitMetadata {
    values = Map.copyOf(new LinkedHashMap<>(values));
  }

  /** The text's prefix for a table: what {@code DeltaStore.latestCommitWithMetadata} finds. */
  public static String prefix(String table) {
    return "leadscore." + table + " ";
  }

  /** The metadata text, keys in the given order. */
  public static String text(String table, List<Map.Entry<String, String>> entries) {
    StringBuilder sb = new StringBuilder("leadscore.").append(table);
    for (Map.Entry<String, String> e : entries) {
      if (e.getValue().isEmpty() || e.getValue().chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException(table + " metadata " + e.getKey()
            + " must be one word, was '" + e.getValue() + "'");
      }
      sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.toString();
  }

  /**
   * The values of a metadata text written for {@code table} with exactly the keys {@code
   * keys}, in that order; empty when it is another table's, another format's, or not ours.
   */
  public static Optional<CommitMetadata> parse(String table, List<String> keys, String text) {
    if (text == null || !text.startsWith(prefix(table))) {
      return Optional.empty();
    }
    String[] words = text.substring(prefix(table).length()).split(" ", -1);
    if (words.length != keys.size()) {
      return Optional.empty();
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < words.length; i++) {
      String key = keys.get(i) + "=";
      if (!words[i].startsWith(key) || words[i].length() == key.length()) {
        return Optional.empty();
      }
      values.put(keys.get(i), words[i].substring(key.length()));
    }
    return Optional.of(new CommitMetadata(table, values));
  }

  public String get(String key) {
    return values.get(key);
  }

  /** A value written as {@code id@version}: a table's id and one of its versions. */
  public record TableVersion(String id, long version) {
    public String text() {
      return id + "@" + version;
    }

    /** Empty unless the text is {@code id@version} with a non-negative version. */
    public static Optional<TableVersion> parse(String text) {
      int at = text.lastIndexOf('@');
      if (at <= 0 || at == text.length() - 1) {
        return Optional.empty();
      }
      String digits = text.substring(at + 1);
      if (!digits.chars().allMatch(Character::isDigit)) {
        return Optional.empty();
      }
      try {
        return Optional.of(new TableVersion(text.substring(0, at), Long.parseLong(digits)));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
  }
}
