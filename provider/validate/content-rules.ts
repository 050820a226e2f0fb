// The `content` rules shared by every JSONL format: a string, or OpenAI-style parts with inline images.
import { describeJson, isPlainObject, quoteJson } from "./describe";
import { problem, type Problem } from "./issues";
import { IMAGE_MIME_TYPES, MAX_IMAGE_BYTES, MAX_IMAGES_PER_MESSAGE } from "./limits";

const DATA_URI = /^data:image\/(jpeg|png|webp);base64,/;
const MIB = 1024 * 1024;

/** Where images may appear, for the message when one appears elsewhere. */
export interface ImagePolicy {
  allowed: boolean;
  allowedWhere: string;
}

/** Images in the content, or the first rule it breaks. */
export type ContentResult = number | Problem;

export function checkContent(value: unknown, path: string, images: ImagePolicy): ContentResult {
  if (typeof value === "string") return 0;
  if (!Array.isArray(value)) {
    return problem(
      `${path} is ${describeJson(value)}, not a string or a list of content parts`,
      `make ${path} a string, or a list of {"type": "text", "text": ...} and {"type": "image_url", ...} parts`,
    );
  }
  let count = 0;
  for (let j = 0; j < value.length; j++) {
    const part: unknown = value[j];
    const at = `${path}[${j}]`;
    if (!isPlainObject(part)) {
      return problem(
        `${at} is ${describeJson(part)}, not a content part object`,
        `write the part as {"type": "text", "text": "..."} or {"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}`,
      );
    }
    if (part.type === "text") {
      if (typeof part.text !== "string") {
        return problem(
          `${at}.text is ${describeJson(part.text)}, not a string`,
          `give the text part a string "text"`,
        );
      }
      continue;
    }
    if (part.type !== "image_url") {
      return problem(
        `${at}.type ${quoteJson(part.type)} is not one of text, image_url`,
        `set "type" to "text" or "image_url"`,
      );
    }
    const found = checkImage(part.image_url, at, images);
    if (found) return found;
    count++;
  }
  if (count > MAX_IMAGES_PER_MESSAGE) {
    return problem(
      `${path} has ${count} images, more than ${MAX_IMAGES_PER_MESSAGE}`,
      `keep at most ${MAX_IMAGES_PER_MESSAGE} images per message`,
    );
  }
  return count;
}

function checkImage(imageUrl: unknown, at: string, images: ImagePolicy): Problem | undefined {
  if (!images.allowed) {
    return problem(
      `${at} is an image, but images are allowed only in ${images.allowedWhere}`,
      `move the image to ${images.allowedWhere} or remove it`,
    );
  }
  const url = isPlainObject(imageUrl) ? imageUrl.url : undefined;
  if (typeof url !== "string") {
    return problem(
      `${at}.image_url.url is missing or not a string`,
      `give the part "image_url": {"url": "data:image/png;base64,..."}`,
    );
  }
  const prefix = DATA_URI.exec(url);
  if (!prefix) {
    return problem(
      `${at}.image_url.url ${quoteJson(url)} is not a base64 image data URI`,
      `inline the image as data:image/{${IMAGE_MIME_TYPES.join(",")}};base64,<data>`,
    );
  }
  const bytes = base64DecodedLength(url, prefix[0].length);
  if (bytes > MAX_IMAGE_BYTES) {
    return problem(
      `${at} image is ${(bytes / MIB).toFixed(1)} MiB, over the ${MAX_IMAGE_BYTES / MIB} MiB limit`,
      `downscale or recompress the image below ${MAX_IMAGE_BYTES / MIB} MiB`,
    );
  }
  return undefined;
}

function base64DecodedLength(text: string, start: number): number {
  let end = text.length;
  while (end > start && text.charCodeAt(end - 1) === 61 /* = */) end--;
  return Math.floor(((end - start) * 3) / 4);
}
