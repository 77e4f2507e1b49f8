package io.imapsync.coordinator.assignment;

import java.nio.charset.StandardCharsets;

/**
 * The 64-bit hash behind every placement decision: FNV-1a 64 over UTF-8 bytes, then the MurmurHash3
 * {@code fmix64} finalizer.
 *
 * <p>Why hand-rolled: the coordinator and every node (and the next release of either) must compute
 * the same placement, so the hash may depend on nothing but the bytes: not {@link
 * String#hashCode()} (32 bits, weak), not seeded or JVM-specific hashing. FNV-1a alone mixes its
 * last bytes poorly (ids like {@code acct-1001}/{@code acct-1002} land close together), which is
 * why the result goes through {@code fmix64}, whose every output bit depends on every input bit.
 *
 * <p>Changing anything here reassigns almost every account in a running cluster; {@code
 * StableHashTest} pins values so that cannot happen by accident.
 */
final class StableHash {

  static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
  static final long FNV_PRIME = 0x100000001b3L;

  /**
   * Separates account id from node id in a pair hash. 0xFF never occurs in UTF-8, so ("ab", "c")
   * and ("a", "bc") can never feed the same bytes.
   */
  private static final int PAIR_SEPARATOR = 0xFF;

  private StableHash() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Plain FNV-1a 64 (no finalizer); exposed so tests can check the published test vectors. */
  static long fnv1a64(byte[] bytes) {
    return fnv1a64(FNV_OFFSET_BASIS, bytes);
  }

  /** Continues an FNV-1a 64 state over more bytes, so a shared prefix is hashed only once. */
  static long fnv1a64(long state, byte[] bytes) {
    long h = state;
    for (byte b : bytes) {
      h ^= (b & 0xFF);
      h *= FNV_PRIME;
    }
    return h;
  }

  /** MurmurHash3's 64-bit finalizer: a bijection with full avalanche. */
  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  /** Hash of an account alone; orders accounts for processing independently of input order. */
  static long accountHash(String accountId) {
    return fmix64(fnv1a64(utf8(accountId)));
  }

  /**
   * FNV state after an account id and the separator; feed it to {@link #pairHash(long, byte[])}.
   */
  static long pairPrefix(byte[] accountIdUtf8) {
    long h = fnv1a64(FNV_OFFSET_BASIS, accountIdUtf8);
    h ^= PAIR_SEPARATOR;
    h *= FNV_PRIME;
    return h;
  }

  static long pairHash(long pairPrefix, byte[] nodeIdUtf8) {
    return fmix64(fnv1a64(pairPrefix, nodeIdUtf8));
  }

  /** Hash of an (account, node) pair: the rendezvous "coin" for that account on that node. */
  static long pairHash(String accountId, String nodeId) {
    return pairHash(pairPrefix(utf8(accountId)), utf8(nodeId));
  }

  /**
   * Maps a hash to a uniform double strictly inside (0, 1): the top 52 bits, centred in their
   * bucket, so neither 0 (ln = -inf) nor 1 (ln = 0, division by zero) can come out. Not 53 bits:
   * {@code (2^53 - 1) + 0.5} is not a double and would round up to exactly 1.
   */
  static double unitInterval(long hash) {
    return ((hash >>> 12) + 0.5) * 0x1.0p-52;
  }
}
