import { z } from "zod";

// Lenient by design: unknown fields pass through (the API grows), optional fields may also arrive as null
// (the live API sends null for unset fields), and only the fields the spec requires are enforced.
export const opt = <T extends z.ZodType>(t: T) => t.nullish();

/** `{ data: [...] }` list envelope; `object: "list"` and other extras pass through. */
export const listOf = <T extends z.ZodType>(item: T) => z.looseObject({ data: z.array(item) });
