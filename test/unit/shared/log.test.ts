import { createProviderLog } from "../../../provider/shared/log";
import { SecretRegistry } from "../../../provider/shared/redact";

describe("createProviderLog", () => {
  it("writes info to stdout and warnings/errors to stderr, prefixed per line and redacted", () => {
    const secrets = new SecretRegistry();
    secrets.add("hf_secret_token");
    const out: string[] = [];
    const err: string[] = [];
    const log = createProviderLog(secrets, { out: (l) => out.push(l), err: (l) => err.push(l) });
    log.info("uploading with hf_secret_token\nsecond line");
    log.warn("slow");
    log.error("bad hf_secret_token");
    expect(out).toEqual(["[together] uploading with [redacted]", "[together] second line"]);
    expect(err).toEqual(["[together] warning: slow", "[together] error: bad [redacted]"]);
  });

  it("registers secrets added after the log was created", () => {
    const secrets = new SecretRegistry();
    const out: string[] = [];
    const log = createProviderLog(secrets, { out: (l) => out.push(l), err: () => undefined });
    secrets.add("late-secret");
    log.info("late-secret");
    expect(out).toEqual(["[together] [redacted]"]);
  });
});
