package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.List;
import org.apache.spark.sql.Column;

/**
 * Randomness as a pure function of (seed, key, salt): {@code xxhash64} of the three,
 * mapped to a double in [0, 1). No state and no row order is involved, so a row comes
 * out the same whatever the partitioning, and any dataset can re-derive another's value
 * (a lead's persona inside an activity row) by hashing the same key with the same salt.
 */
final class Rand {
  private static final double TWO_POW_53 = 9007199254740992.0;

  private final Column seed;

  Rand(long seed) {
    this.seed = lit(seed);
  }

  /**
   * Uniform in [0, 1): the top 53 bits of the hash over 2^53. The salt names the purpose
   * (so draws for different purposes are independent); it enters the hash as a 64-bit
   * number because hashing a long per row is cheaper than hashing text.
   */
  Column u(Column key, String salt) {
    return shiftrightunsigned(xxhash64(seed, key, lit(saltNumber(salt))), 11).cast("double")
        .divide(TWO_POW_53);
  }

  /** FNV-1a, 64 bits, of the salt's UTF-16 chars: fixed across JVMs and releases. */
  static long saltNumber(String salt) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < salt.length(); i++) {
      h ^= salt.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** Uniform long in [0, n). */
  Column below(Column key, String salt, long n) {
    return floor(u(key, salt).multiply(n));
  }

  /** True with probability p. */
  Column chance(Column key, String salt, double p) {
    return u(key, salt).lt(p);
  }

  /** The value at a 0-based index column. */
  static Column at(List<String> values, Column index) {
    return element_at(literalArray(values), index.plus(1).cast("int"));
  }

  /** A uniformly chosen value. */
  static Column pick(List<String> values, Column u) {
    return at(values, floor(u.multiply(values.size())));
  }

  /** A uniformly chosen value of the inner list selected by a 0-based index column. */
  static Column pickIn(List<List<String>> lists, Column index, Column u) {
    Column[] inner = lists.stream().map(Rand::literalArray).toArray(Column[]::new);
    Column chosen = element_at(array(inner), index.plus(1).cast("int"));
    return element_at(chosen, floor(u.multiply(size(chosen))).plus(1).cast("int"));
  }

  /** A 0-based index drawn with the given relative weights. */
  static Column weightedIndex(double[] weights, Column u) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    Column result = null;
    double cumulative = 0;
    for (int i = 0; i < weights.length - 1; i++) {
      cumulative += weights[i] / total;
      result = result == null ? when(u.lt(cumulative), i) : result.when(u.lt(cumulative), i);
    }
    int last = weights.length - 1;
    return result == null ? lit(last) : result.otherwise(last);
  }

  /** A value drawn with the given relative weights. */
  static Column weighted(List<String> values, double[] weights, Column u) {
    return at(values, weightedIndex(weights, u));
  }

  /** The number at a 0-based index column. */
  static Column atDouble(double[] values, Column index) {
    Column result = lit(values[values.length - 1]);
    for (int i = values.length - 2; i >= 0; i--) {
      result = when(index.equalTo(i), values[i]).otherwise(result);
    }
    return result;
  }

  private static Column literalArray(List<String> values) {
    return array(values.stream().map(v -> lit(v)).toArray(Column[]::new));
  }
}
