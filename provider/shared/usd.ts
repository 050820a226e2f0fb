/** US dollars for messages: cents, or two significant digits below a cent (a tiny job's price is not "$0.00"). */
export function usd(n: number): string {
  return n > 0 && n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`;
}
