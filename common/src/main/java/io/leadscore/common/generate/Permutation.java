package io.leadscore.common.generate;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.apache.spark.sql.Column;

/**
 * A seeded bijection of {@code 0..n-1}: {@code x -> (a*x + b) mod n} with {@code a}
 * coprime to n, and its inverse. It scatters ranks over ids so that the busiest lead
 * is not L000001, while both directions stay one column expression (no lookup table).
 * Products stay below n^2, which fits a long for n up to 3 billion.
 */
final class Permutation {
  private final long n;
  private final long a;
  private final long b;
  private final long aInverse;

  Permutation(long n, long seed, String salt) {
    this.n = n;
    SplittableRandom random = new SplittableRandom(seed ^ salt.hashCode());
    if (n == 1) {
      a = 1;
      b = 0;
      aInverse = 1;
      return;
    }
    long candidate = 1 + random.nextLong(n - 1);
    while (BigInteger.valueOf(candidate).gcd(BigInteger.valueOf(n)).longValue() != 1) {
      candidate = candidate % (n - 1) + 1;
    }
    a = candidate;
    b = random.nextLong(n);
    aInverse = BigInteger.valueOf(a).modInverse(BigInteger.valueOf(n)).longValue();
  }

  Column apply(Column x) {
    return pmod(x.multiply(a).plus(b), lit(n));
  }

  Column invert(Column y) {
    return pmod(pmod(y.minus(b), lit(n)).multiply(aInverse), lit(n));
  }
}
