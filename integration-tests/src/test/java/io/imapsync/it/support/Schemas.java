package io.imapsync.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The published JSON Schemas in docs/schemas, for asserting that what the daemon emits matches them. */
public final class Schemas {
  private static final Path DIR = Path.of("..", "docs", "schemas");
  private static final Map<String, JsonSchema> CACHE = new ConcurrentHashMap<>();

  private Schemas() {}

  public static void assertValid(String schemaFile, JsonNode document) {
    JsonSchema schema = CACHE.computeIfAbsent(schemaFile, f -> {
      try (InputStream in = Files.newInputStream(DIR.resolve(f))) {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read schema " + DIR.resolve(f).toAbsolutePath(), e);
      }
    });
    Set<ValidationMessage> errors = schema.validate(document);
    if (!errors.isEmpty()) {
      throw new AssertionError(schemaFile + " rejects the document: " + errors + "\n" + document.toPrettyString());
    }
  }

  /** Validates an event envelope and its payload by type. */
  public static void assertValidEvent(JsonNode event) {
    assertValid("event.schema.json", event);
    switch (event.path("type").asText()) {
      case "message.created" -> assertValid("message.schema.json", event.path("payload"));
      case "message.updated" -> assertValid("message-updated.schema.json", event.path("payload"));
      case "message.deleted" -> assertValid("message-deleted.schema.json", event.path("payload"));
      case "message.moved" -> assertValid("message-moved.schema.json", event.path("payload"));
      case "conversation.updated" -> assertValid("conversation.schema.json", event.path("payload"));
      case "conversation.deleted" -> assertValid("conversation-deleted.schema.json", event.path("payload"));
      case "conversation.merged" -> assertValid("conversation-merged.schema.json", event.path("payload"));
      case "mailbox.reset" -> assertValid("mailbox-reset.schema.json", event.path("payload"));
      case "account.state" -> assertValid("account-state.schema.json", event.path("payload"));
      default -> throw new AssertionError("unknown event type " + event.path("type"));
    }
  }

}
