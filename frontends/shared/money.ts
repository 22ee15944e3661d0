/** Money is integer céntimos everywhere; this is the one place it becomes text: `S/ 1,234.50` (es-PE). */
export function soles(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(Math.round(cents));
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}S/ ${whole}.${String(abs % 100).padStart(2, "0")}`;
}
