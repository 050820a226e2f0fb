// Hardware offers and what an endpoint costs. Pure: the lifecycle fetches `GET /hardware` and hands the
// list here, so price and availability rules are unit-tested without a server.

/** One hardware configuration as the provider reasons about it. */
export interface HardwareOffer {
  id: string;
  centsPerMinute: number;
  /** Present only when the list was filtered by model (`GET /hardware?model=`). */
  availability?: "available" | "unavailable" | "insufficient";
}

/** Structural subset of the client's WireHardware that this module reads. */
export interface HardwareLike {
  id: string;
  pricing?: { cents_per_minute?: number } | undefined;
  availability?: { status?: string } | null | undefined;
}

export function toOffers(list: readonly HardwareLike[]): HardwareOffer[] {
  return list.map((h) => {
    const offer: HardwareOffer = { id: h.id, centsPerMinute: h.pricing?.cents_per_minute ?? Number.NaN };
    const status = h.availability?.status;
    if (status === "available" || status === "unavailable" || status === "insufficient") {
      offer.availability = status;
    }
    return offer;
  });
}

/** US dollars per hour at full scale: Together bills each replica's uptime per minute. */
export function hourlyPriceUsd(centsPerMinute: number, maxReplicas: number): number {
  return roundUsd((centsPerMinute * 60 * maxReplicas) / 100);
}

/** Per-hour dollar figures are shown and compared at 1/10,000 USD, which hides float noise. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}

export function formatUsd(usd: number): string {
  return `$${usd.toFixed(2)}/h`;
}

/** "1x_nvidia_h100_80gb_sxm ($3.99/h per replica, available)", one per line, cheapest first. */
export function describeOffers(offers: readonly HardwareOffer[]): string {
  if (offers.length === 0) return "(none)";
  return [...offers]
    .sort((a, b) => a.centsPerMinute - b.centsPerMinute || a.id.localeCompare(b.id))
    .map((o) => {
      const price = Number.isFinite(o.centsPerMinute)
        ? `${formatUsd(hourlyPriceUsd(o.centsPerMinute, 1))} per replica`
        : "price unknown";
      return `${o.id} (${price}${o.availability ? `, ${o.availability}` : ""})`;
    })
    .join(", ");
}

export type HardwareVerdict =
  | { ok: true; offer: HardwareOffer }
  | { ok: false; problem: "not-offered" | "unavailable"; offer?: HardwareOffer };

/**
 * Whether `hardware` can serve the model, judged from a model-filtered list. `requireAvailable` is false for an
 * endpoint that already runs on this hardware: a temporary capacity shortage must not block a rename or a scale.
 */
export function judgeHardware(
  offers: readonly HardwareOffer[],
  hardware: string,
  requireAvailable: boolean,
): HardwareVerdict {
  const offer = offers.find((o) => o.id === hardware);
  if (offer === undefined) return { ok: false, problem: "not-offered" };
  if (requireAvailable && offer.availability !== undefined && offer.availability !== "available") {
    return { ok: false, problem: "unavailable", offer };
  }
  return { ok: true, offer };
}
