package io.imapsync.coordinator.cluster;

/**
 * What a daemon reports at every lease renewal, for {@code syncctl nodes}.
 *
 * @param running accounts it runs now
 * @param connections IMAP connections it holds now
 * @param fenced true while it stopped everything because its lease may have expired
 * @param at when (ms)
 */
public record NodeReport(int running, int connections, boolean fenced, long at) {}
