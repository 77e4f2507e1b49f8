package io.imapsync.coordinator.assignment;

/**
 * Weighted rendezvous (highest random weight) score of an account on a node: {@code -weight /
 * ln(u)}, u the pair hash mapped into (0, 1).
 *
 * <p>Why this form: it is the logarithmic method of Schindelhauer and Schomaker. Each score is an
 * independent draw per node, and the node with the highest score wins with probability exactly
 * {@code weight / sumOfWeights}. Adding, removing or reweighting one node therefore only moves
 * accounts to or from that node; every other pairwise comparison is unchanged.
 *
 * <p>{@link StrictMath#log} rather than {@link Math#log}: Math may use platform intrinsics that
 * differ in the last bit, and two coordinators must rank nodes identically.
 */
final class RendezvousScore {

  private RendezvousScore() {}

  static double score(double weight, long pairHash) {
    return -weight / StrictMath.log(StableHash.unitInterval(pairHash));
  }

  static double score(String accountId, SyncNode node) {
    return score(node.weight(), StableHash.pairHash(accountId, node.id()));
  }
}
