package io.imapsync.sync;

/** A folder the account mirrors: its server name, its role, and its hierarchy delimiter. */
public record WatchedFolder(String name, FolderRole role, String delimiter) {}
