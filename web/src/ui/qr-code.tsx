import { encode } from "uqr";

/**
 * A link as a QR code, for a phone's camera to open. Dark squares on white in either theme (cameras read
 * that best), drawn as one SVG path, so it scales crisply and needs no canvas.
 */
export function QrCode(props: { text: string; label: string; size?: number }) {
  const qr = encode(props.text, { ecc: "M", border: 2 });
  let d = "";
  qr.data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }),
  );
  const size = props.size ?? 176;
  return (
    <svg
      class="qr"
      role="img"
      aria-label={props.label}
      width={size}
      height={size}
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      shape-rendering="crispEdges"
    >
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
