package io.imapsync.model;

/** Someone in a conversation, with their role: from, to, cc, bcc. */
public record Participant(String name, String address, String role) {}
