package io.imapsync.coordinator.cluster;

/**
 * What a daemon registers about itself when it joins.
 *
 * @param id node id (stable across restarts: it feeds the rendezvous hash)
 * @param weight the node's own capacity weight (an operator's {@code syncctl weight} overrides it)
 * @param host where it runs, for the operator
 * @param pid its process id, for the operator
 * @param startedAt when this process registered (ms)
 * @param leaseTtlMillis the TTL its lease is renewed with
 */
public record NodeInfo(String id, double weight, String host, long pid, long startedAt, long leaseTtlMillis) {}
