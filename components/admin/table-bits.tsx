/**
 * Header cells for the Admin tables. The screen-reader-only label sits in a positioned box: an absolutely
 * positioned `sr-only` span whose containing block lies outside the table's scroll container would escape
 * its clipping and widen the whole page on a phone.
 */
export function ActionsHeader() {
  return (
    <span className="relative block">
      <span className="sr-only">Actions</span>
    </span>
  );
}

export function RightHeader({ label }: { label: string }) {
  return <span className="block text-right">{label}</span>;
}
