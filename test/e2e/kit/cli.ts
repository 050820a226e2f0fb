// Decides what a missing Pulumi CLI means for an e2e file: on a developer's machine without it the suite
// skips with its reason; where the CLI is required (CI sets PULUMI_TOGETHER_E2E=require once it has built
// it) a missing CLI fails every e2e file instead.
import { findPulumiCli, type PulumiCli } from "../../../scripts/real-cli/find-cli";

export type { PulumiCli } from "../../../scripts/real-cli/find-cli";
export const REQUIRE_ENV = "PULUMI_TOGETHER_E2E";

/**
 * Declares an e2e suite: `body` runs with the CLI when there is one. Without it the suite is one
 * skipped test whose title says why, or, when PULUMI_TOGETHER_E2E=require, one failing test.
 */
export function describeWithCli(title: string, body: (cli: PulumiCli) => void): void {
  const found = findPulumiCli();
  if ("missing" in found) {
    const why = `${title}: needs the real Pulumi CLI, but ${found.missing}`;
    if (process.env[REQUIRE_ENV] === "require") {
      test(why, () => {
        throw new Error(`${why}. ${REQUIRE_ENV}=require forbids skipping.`);
      });
    } else {
      // Jest prints no title for a suite whose every test is skipped; say why on the console too.
      console.warn(`skipped: ${why}`);
      test.skip(why, () => undefined);
    }
    return;
  }
  describe(`${title} (pulumi ${found.version})`, () => body(found));
}
