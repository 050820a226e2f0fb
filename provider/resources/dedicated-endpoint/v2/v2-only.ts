// Inputs that only Together's v2 platform has. Without a project the v1 platform serves, where they would be
// silently ignored: preview fails instead, naming each one and how to get v2.
import { failure } from "../../../shared/check";
import type { CheckFailure } from "../../../shared/types";
import { subject } from "../rules";
import { V2_AUTOSCALING_FIELDS } from "../schema";
import { logicalNameOf } from "../spec";

const TOP_LEVEL = ["visibility", "placement", "enableLora"] as const;

export function v2OnlyFailures(news: Record<string, unknown>): CheckFailure[] {
  const who = subject(logicalNameOf(news));
  const given: [string, unknown][] = TOP_LEVEL.filter((k) => news[k] !== undefined).map((k) => [k, news[k]]);
  const autoscaling = news.autoscaling;
  if (autoscaling !== null && typeof autoscaling === "object" && !Array.isArray(autoscaling)) {
    for (const k of V2_AUTOSCALING_FIELDS) {
      const v = (autoscaling as Record<string, unknown>)[k];
      if (v !== undefined) given.push([`autoscaling.${k}`, v]);
    }
  }
  return given.map(([field, value]) =>
    failure(
      field,
      `${who}: ${field} = ${JSON.stringify(value)}: is a setting of Together's v2 endpoints platform (v2 only: ` +
        "set together:projectId), which serves only when a Together project is configured. Fix: `pulumi config " +
        `set together:projectId <project id>\` (or export TOGETHER_PROJECT_ID), or remove ${field} to stay on v1`,
    ),
  );
}
