package io.imapsync.coordinator.cluster;

/**
 * One node as {@code syncctl nodes} shows it.
 *
 * @param state {@code live}, {@code draining} (live, weight 0), {@code fenced} (live lease but it
 *     stopped its accounts: it could not renew in time), or {@code dead} (no lease)
 * @param assigned accounts the published assignment gives it
 * @param running accounts it reported running (-1: no report)
 * @param connections IMAP connections it reported (-1: no report)
 * @param leaseAgeMillis time since its last renewal (-1: no lease)
 */
public record NodeStatus(String id, String host, long pid, double weight, double effectiveWeight, String state,
    int assigned, int running, int connections, long leaseAgeMillis) {}
