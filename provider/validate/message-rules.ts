// Rules for a list of chat messages (conversation rows and a preference row's input).
import { checkContent } from "./content-rules";
import { describeJson, isPlainObject, quoteJson } from "./describe";
import { problem, type Problem } from "./issues";
import { MAX_IMAGES_PER_EXAMPLE, ROLE_LIST } from "./limits";

const USER_IMAGES = { allowed: true, allowedWhere: "user messages" };
const NO_IMAGES = { allowed: false, allowedWhere: "user messages" };

export interface MessagesRules {
  /** Training conversations need a reply to learn from; a preference input does not. */
  requireAssistant: boolean;
  /** A preference input is answered by the outputs, so it may not end with the answer. */
  lastNotAssistant: boolean;
}

function isRole(role: unknown): boolean {
  return role === "user" || role === "assistant" || role === "system";
}

/** A message's path, e.g. `messages[2]`: built only for a failing message, as building it for every message
 *  costs a check several percent of its time. */
function item(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function checkMessages(messages: unknown, path: string, rules: MessagesRules): Problem | undefined {
  if (!Array.isArray(messages)) {
    return problem(
      `${path} is ${describeJson(messages)}, not a list of messages`,
      `make ${path} a list like [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]`,
    );
  }
  if (messages.length === 0) {
    return problem(`${path} is an empty list`, `add the conversation's messages`);
  }
  let previousRole: unknown;
  let hasAssistant = false;
  let images = 0;
  let listForm: boolean | undefined;
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    if (!isPlainObject(message)) {
      return problem(
        `${item(path, i)} is ${describeJson(message)}, not a message object`,
        `write the message as {"role": "user", "content": "..."}`,
      );
    }
    const role = message.role;
    if (role === undefined) {
      return problem(`${item(path, i)} has no "role"`, `add "role": one of ${ROLE_LIST}`);
    }
    if (!("content" in message)) {
      return problem(`${item(path, i)} has no "content"`, `add the message text as "content"`);
    }
    if (!isRole(role)) {
      return problem(
        `${item(path, i)}.role ${quoteJson(role)} is not one of ${ROLE_LIST}`,
        `use one of ${ROLE_LIST}`,
      );
    }
    const weight = message.weight;
    if (weight !== undefined && weight !== 0 && weight !== 1) {
      return problem(
        `${item(path, i)}.weight ${quoteJson(weight)} is not the integer 0 or 1`,
        `use 0 (not trained on) or 1 (trained on), or leave "weight" out`,
      );
    }
    if (role === previousRole) {
      return problem(
        `${item(path, i)}.role "${role as string}" repeats the role of ${path}[${i - 1}]`,
        `alternate user and assistant turns (merge consecutive "${role as string}" messages)`,
      );
    }
    previousRole = role;
    if (role === "assistant") hasAssistant = true;
    const content = message.content;
    const found =
      typeof content === "string"
        ? 0
        : checkContent(content, `${item(path, i)}.content`, role === "user" ? USER_IMAGES : NO_IMAGES);
    if (typeof found !== "number") return found;
    const isList = typeof content !== "string";
    if (listForm === undefined) {
      listForm = isList;
    } else if (listForm !== isList) {
      return problem(
        `${item(path, i)}.content is ${isList ? "a list of parts" : "a string"} but ${path}[0].content is ${listForm ? "a list of parts" : "a string"}`,
        `use the same content form (all strings or all part lists) for every message of the example`,
      );
    }
    if (found > 0) {
      if (weight !== undefined && weight !== 0) {
        return problem(
          `${item(path, i)} has images and weight ${quoteJson(weight)}`,
          `set "weight": 0 on messages with images, or leave "weight" out`,
        );
      }
      images += found;
      if (images > MAX_IMAGES_PER_EXAMPLE) {
        return problem(
          `${path} has more than ${MAX_IMAGES_PER_EXAMPLE} images in one example`,
          `keep at most ${MAX_IMAGES_PER_EXAMPLE} images per example`,
        );
      }
    }
  }
  if (rules.requireAssistant && !hasAssistant) {
    return problem(`${path} has no assistant message`, `add the assistant reply the model should learn`);
  }
  if (rules.lastNotAssistant && previousRole === "assistant") {
    return problem(
      `${path} ends with an assistant message`,
      `end the input with the user turn; put the answers in preferred_output and non_preferred_output`,
    );
  }
  return undefined;
}
