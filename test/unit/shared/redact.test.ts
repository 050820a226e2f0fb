import { PartialFailureError } from "../../../provider/shared/partial-failure";
import { REDACTED, redact, SecretRegistry } from "../../../provider/shared/redact";

const KEY = "tgp_v1_abcdefghijklmnop";

describe("redact", () => {
  it("redacts one call's secrets in every spelling, like the registry, and keeps the rest", () => {
    const token = 'hf_"x\\y/z+1';
    const text = [
      `key ${KEY}`,
      `body ${JSON.stringify({ hf_api_token: token })}`,
      `url /t/${encodeURIComponent(token)}`,
      `form ${new URLSearchParams({ hf_api_token: token }).toString()}`,
    ].join("; ");
    expect(redact(text, [KEY, token, undefined])).toBe(
      `key ${REDACTED}; body {"hf_api_token":"${REDACTED}"}; url /t/${REDACTED}; form hf_api_token=${REDACTED}`,
    );
  });
});

describe("SecretRegistry", () => {
  it("redacts every occurrence, in JSON-escaped and URL-encoded spellings too", () => {
    const r = new SecretRegistry();
    r.add(KEY);
    r.add('to"k/en+1');
    expect(r.redact(`Bearer ${KEY} and ${KEY}`)).toBe(`Bearer ${REDACTED} and ${REDACTED}`);
    expect(r.redact(JSON.stringify({ t: 'to"k/en+1' }))).toBe(`{"t":"${REDACTED}"}`);
    expect(r.redact(`?token=${encodeURIComponent('to"k/en+1')}`)).toBe(`?token=${REDACTED}`);
  });

  it("redacts a secret with quotes and backslashes inside JSON, and percent-encoded in a URL or a form", () => {
    const secret = 'tok"en\\with/slash+plus! and space';
    const r = new SecretRegistry();
    r.add(secret);
    expect(r.redact(JSON.stringify({ t: secret }))).toBe(`{"t":"${REDACTED}"}`);
    expect(r.redact(`/v1/x?t=${encodeURIComponent(secret)}`)).toBe(`/v1/x?t=${REDACTED}`);
    expect(r.redact(new URLSearchParams({ t: secret }).toString())).toBe(`t=${REDACTED}`);
  });

  it("ignores undefined, empty and too-short values", () => {
    const r = new SecretRegistry();
    r.add(undefined);
    r.add("");
    r.add("ab");
    expect(r.size).toBe(0);
    expect(r.redact("ab abc")).toBe("ab abc");
  });

  it("replaces a longer secret whole when it contains a shorter one", () => {
    const r = new SecretRegistry();
    r.add("abcd");
    r.add("abcd-efgh");
    expect(r.redact("x abcd-efgh y abcd")).toBe(`x ${REDACTED} y ${REDACTED}`);
  });

  it("redacts nested values (keys too) without touching the original, and survives cycles", () => {
    const r = new SecretRegistry();
    r.add(KEY);
    const original: Record<string, unknown> = { a: [KEY, 1, null, { [KEY]: true }], b: { c: `x${KEY}` } };
    original.self = original;
    const copy = r.redactValue(original) as Record<string, unknown>;
    expect(JSON.stringify({ ...copy, self: undefined })).not.toContain(KEY);
    expect(copy.a).toEqual([REDACTED, 1, null, { [REDACTED]: true }]);
    expect(copy.self).toBe(copy);
    expect((original.b as { c: string }).c).toBe(`x${KEY}`);
  });

  it("rebuilds an Error with the same class, redacting message, stack and own properties", () => {
    class ApiError extends Error {
      readonly code = "unauthorized";
      constructor(
        message: string,
        readonly body: unknown,
      ) {
        super(message);
        this.name = "ApiError";
      }
    }
    const r = new SecretRegistry();
    r.add(KEY);
    const cause = new Error(`inner ${KEY}`);
    const err = Object.assign(
      new ApiError(`401 for key ${KEY}`, { headers: { authorization: `Bearer ${KEY}` } }),
      {
        cause,
      },
    );
    const out = r.redactError(err);
    expect(out).toBeInstanceOf(ApiError);
    expect(out.name).toBe("ApiError");
    expect(out.message).toBe(`401 for key ${REDACTED}`);
    expect(out.stack).toContain(`ApiError: 401 for key ${REDACTED}`);
    expect(out.stack).not.toContain(KEY);
    expect((out as ApiError).code).toBe("unauthorized");
    expect(JSON.stringify((out as ApiError).body)).not.toContain(KEY);
    expect((out.cause as Error).message).toBe(`inner ${REDACTED}`);
    expect(err.message).toContain(KEY);
  });

  it("keeps the partial-failure shape, redacted", () => {
    const r = new SecretRegistry();
    r.add(KEY);
    const out = r.redactError(new PartialFailureError("ft-1", { note: KEY, n: 1 }, [`failed with ${KEY}`]));
    expect(out).toBeInstanceOf(PartialFailureError);
    expect(out).toMatchObject({
      id: "ft-1",
      properties: { note: REDACTED, n: 1 },
      reasons: [`failed with ${REDACTED}`],
    });
    expect(out.message).toBe(`failed with ${REDACTED}`);
  });

  it("turns thrown non-Errors into Errors, keeping a thrown {id, properties, reasons}", () => {
    const r = new SecretRegistry();
    r.add(KEY);
    const fromString = r.redactError(`plain ${KEY}`);
    expect(fromString).toBeInstanceOf(Error);
    expect(fromString.message).toBe(`plain ${REDACTED}`);
    const fromObject = r.redactError({ id: "x", properties: { k: KEY }, reasons: ["r"] });
    expect(fromObject).toBeInstanceOf(Error);
    expect(fromObject).toMatchObject({ id: "x", properties: { k: REDACTED }, reasons: ["r"] });
    expect(fromObject.message).toContain('"id":"x"');
    expect(fromObject.message).not.toContain(KEY);
  });
});
