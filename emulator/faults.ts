// Fault injection: rules matched in the order added against method and path; each hit consumes one
// of the rule's `times` and counts in `injected`.
import type { FaultAction, FaultRule } from "./types";

interface LiveRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultInjector {
  private rules: LiveRule[] = [];
  injected = 0;

  add(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times > 0)) throw new RangeError(`fault rule times must be > 0, got ${times}`);
    this.rules.push({ rule, remaining: times });
  }

  clear(): void {
    this.rules = [];
  }

  /** The action to apply to this request, if a rule matches (consumes one hit). */
  take(method: string, path: string): FaultAction | undefined {
    const live = this.rules.find((r) => r.remaining > 0 && matches(r.rule, method, path));
    if (!live) return undefined;
    live.remaining -= 1;
    this.injected += 1;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return live.rule.action;
  }
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (rule.path === undefined) return true;
  return typeof rule.path === "string" ? rule.path === path : rule.path.test(path);
}
