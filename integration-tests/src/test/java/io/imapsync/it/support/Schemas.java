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
  /**
   * Event types the daemon emits before event.schema.json's {@code type} enum lists them (the
   * change is proposed to the schema's owner): their envelope is checked against event.schema.json
   * with only that enum extended, everything else as published.
   */
  static final Set<String> PROPOSED_EVENT_TYPES = Set.of("conversation.merged");

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
    String type = event.path("type").asText();
    if (PROPOSED_EVENT_TYPES.contains(type)) {
      assertValidEnvelopeOfProposedType(event);
    } else {
      assertValid("event.schema.json", event);
    }
    switch (type) {
      case "message.created" -> assertValid("message.schema.json", event.path("payload"));
      case "conversation.updated" -> assertValid("conversation.schema.json", event.path("payload"));
      case "conversation.merged" -> assertValid("conversation-merged.schema.json", event.path("payload"));
      default -> throw new AssertionError("unknown event type " + event.path("type"));
    }
  }

  private static void assertValidEnvelopeOfProposedType(JsonNode event) {
    JsonSchema schema = CACHE.computeIfAbsent("event.schema.json+proposed", k -> {
      try (InputStream in = Files.newInputStream(DIR.resolve("event.schema.json"))) {
        ObjectNode node = (ObjectNode) new ObjectMapper().readTree(in);
        ArrayNode types = (ArrayNode) node.path("properties").path("type").path("enum");
        for (String t : PROPOSED_EVENT_TYPES) {
          boolean listed = false;
          for (JsonNode x : types) {
            listed |= x.asText().equals(t);
          }
          if (!listed) {
            types.add(t);
          }
        }
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(node);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read schema event.schema.json", e);
      }
    });
    Set<ValidationMessage> errors = schema.validate(event);
    if (!errors.isEmpty()) {
      throw new AssertionError("event.schema.json (type enum + " + PROPOSED_EVENT_TYPES + ") rejects the event: "
          + errors + "\n" + event.toPrettyString());
    }
  }
}
